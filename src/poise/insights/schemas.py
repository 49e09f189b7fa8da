"""JSON shapes of the insights API, named by role; numbers as the CSV gives them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class FiltersPublic(BaseModel):
    start: date
    end: date
    team_id: int | None
    product: str | None
    feature: str | None
    channel: str | None
    assignee_id: int | None
    tag: str | None


class FigurePublic(BaseModel):
    """One figure this period and the period before; count/base give the share's parts."""

    figure: str
    label: str
    current: float | int | None
    count: int | None
    base: int | None
    previous: float | int | None
    previous_count: int | None
    previous_base: int | None
    unit: str = Field(
        description="What current and previous are: count, share (0 to 1), mean (1 to 5) "
        "or seconds."
    )


class ChannelPublic(BaseModel):
    channel: str
    conversations: int
    previous: int


class EmotionPublic(BaseModel):
    emotion: str
    customer_turns: int
    previous: int


class WeekPublic(BaseModel):
    """Week *k* of the period (Monday to Sunday, or its days inside the period), with week *k*
    of the previous period, figure by figure."""

    week_start: date
    week_end: date = Field(
        description="The week's last day counted: today while it runs (its days so far)."
    )
    running: bool = Field(description="The week is not over yet: its figures are so far.")
    current: dict[str, float | int | None]
    previous: dict[str, float | int | None]


class DashboardPublic(BaseModel):
    filters: FiltersPublic
    counted_end: date | None = Field(
        description="The last day counted: today while the period runs (its days so far), "
        "else its end; null while no day of it has begun."
    )
    previous_start: date = Field(description="The first day the previous figures count.")
    previous_end: date | None = Field(
        description="The last day the previous figures count: the counted days one period "
        "earlier, so a period still running is compared with as many days, not a whole period."
    )
    fcr_window_days: int
    counted_at: datetime | None = Field(
        description="When the rollup the figures are read from was last counted."
    )
    waiting: int = Field(description="Changed conversations not yet counted into the figures.")
    unscored: int = Field(
        description="Customer messages of the period's conversations still waiting to be "
        "scored; until they are, they count as calm (no early warning, no emotion)."
    )
    figures: list[FigurePublic]
    channels: list[ChannelPublic]
    emotions: list[EmotionPublic]
    weeks: list[WeekPublic]


class GroupPublic(BaseModel):
    kind: str
    product: str | None
    value: str
    conversations: int
    unhappy: int
    unhappy_rate: float | None
    rest_conversations: int
    rest_unhappy: int
    rest_unhappy_rate: float | None
    unhappy_p: float | None
    unhappy_alarm: bool
    rated: int
    low: int
    low_rate: float | None
    rest_rated: int
    rest_low: int
    rest_low_rate: float | None
    low_p: float | None
    low_alarm: bool


class PervasivePublic(BaseModel):
    pervasive: bool
    rising: int
    products: int
    unhappy_rate: float | None
    previous_unhappy_rate: float | None
    p_value: float
    rising_products: list[str]


class HotspotsPublic(BaseModel):
    filters: FiltersPublic
    conversations: int
    tests: int
    pervasive: PervasivePublic
    groups: list[GroupPublic]


class ExposureWeek(BaseModel):
    week_start: date
    running: bool = Field(description="The week is not over yet: its counts are so far.")
    negativity: int
    praise: int


class ExposurePublic(BaseModel):
    """The caller's own weeks (the morale balance): negative turns absorbed, praise received."""

    weeks: list[ExposureWeek]


class SpreadPublic(BaseModel):
    week_start: date
    running: bool = Field(
        description="The week is not over yet: its counts are so far, and heavy is 0 (a week "
        "is judged heavy only once it is over)."
    )
    members: int
    low: int | None = Field(description="None when nobody is in the spread that week.")
    median: float | None
    high: int | None
    praise_median: float | None
    heavy: int


class PersonPublic(BaseModel):
    id: int
    name: str


class TeamExposurePublic(BaseModel):
    """The team's spread per week (no names) and who to check in with (a private prompt)."""

    team_id: int
    team: str
    weeks: list[SpreadPublic]
    check_in: list[PersonPublic]
