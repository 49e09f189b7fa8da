"""The people of the demo: the support staff and their customers.

Names are drawn from a deliberately diverse pool, because a demo full of "John Smith" hides
real-world problems (accents in e-mail addresses, names the redaction must catch, agents
credited by first name in rating comments).
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

from poise.conversations.records import CustomerRecord
from poise.demo.catalogue import TEAMS

DOMAIN = "poise.demo"
ADMIN_EMAIL = f"admin@{DOMAIN}"
AGENTS_PER_TEAM: tuple[int, ...] = (7, 7, 6)


def _listed(text: str) -> tuple[str, ...]:
    """Names written as comma-separated prose: easier to read and extend than one per line."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


# First names are unique so that a rating comment naming "Maria" credits exactly one agent.
STAFF_NAMES: tuple[str, ...] = _listed(
    """
    Maria González, Tom Becker, Aisha Mensah, Kenji Watanabe, Priya Raman, Lukas Novák,
    Fatima Al-Sayed, Jamal Carter, Sofia Rossi, Minh Nguyen, Olivia Brennan, Mateo Fernández,
    Chloé Martin, Daniel O'Connor, Amara Okafor, Ravi Patel, Hannah Schmidt, Yusuf Demir,
    Elena Petrova, Marcus Johansson, Leila Haddad, Samuel Adeyemi, Ingrid Larsen,
    Carlos Mendoza, Mei Lin, Zoë van Dijk, Tariq Hussain, Grace Kim, Bruno Silva, Anika Sharma,
    Oskar Nowak, Rosa Jiménez, Felix Wagner, Nadia Benali
    """
)
CUSTOMER_FIRST: tuple[str, ...] = _listed(
    """
    James, Emma, Mohammed, Olivia, Liam, Ava, Noah, Isabella, Wei, Sakura, Arjun, Ananya, Kwame,
    Zainab, Diego, Lucía, Pierre, Camille, Jonas, Lena, Mikhail, Anastasia, Ahmed, Yasmin, Chen,
    Hiroshi, Aroha, Tane, Sean, Siobhan, Pedro, Beatriz, Tomasz, Agnieszka, Emre, Elif, Kofi,
    Abena, Raj, Deepa, Lars, Astrid, Giulia, Marco, Sarah, David, Rachel, Michael, Jennifer,
    Robert, Linda, Chris, Jess, Sam, Alex, Jordan, Taylor, Morgan, Ben, Charlotte, George,
    Amelia, Oliver, Mia, Harry, Sophie, Jack, Grace, Ibrahim, Maryam, Dmitri, Katarzyna,
    Thandiwe, Sipho, Nomvula, Ayesha, Imran, Min-jun, Ji-woo, Thu, Minh, Valentina, Joaquín,
    Ewa, Björn, Freya, Ngozi, Chidi, Leilani, Kai, Paul, Helen, Patrick, Nora, Victor, Irene,
    Hugo, Clara, Omar, Laila
    """
)
CUSTOMER_LAST: tuple[str, ...] = _listed(
    """
    Smith, Johnson, Williams, Brown, Jones, Garcia, Miller, Davis, Rodriguez, Martinez,
    Hernández, Lopez, Wilson, Anderson, Thomas, Moore, Jackson, Lee, Wang, Li, Zhang, Liu, Chen,
    Yamamoto, Tanaka, Suzuki, Kim, Park, Choi, Nguyen, Tran, Singh, Kumar, Gupta, Iyer, Khan,
    Ahmed, Hassan, Ali, Okonkwo, Mensah, Boateng, Diallo, Dlamini, Ndlovu, Müller, Schneider,
    Fischer, Weber, Dubois, Lefèvre, Moreau, Bianchi, Ricci, Esposito, Kowalski, Wiśniewski,
    Novak, Horvath, Ivanova, Popescu, Yilmaz, Kaya, Papadopoulos, Andersson, Nilsen, Virtanen,
    Murphy, O'Brien, Walsh, Kelly, Byrne, MacDonald, Campbell, Evans, Hughes, Patel, Shah,
    Silva, Santos, Oliveira, Costa, Pereira, Cohen, Levi, Haddad, Nasser, Te Rangi, Kealoha,
    Baker, Clarke, Wright, Green, Hall, Turner, Cooper, Ward
    """
)
CUSTOMER_DOMAINS: tuple[str, ...] = (
    "example.com",
    "example.org",
    "example.net",
    "mail.example",
    "inbox.example",
)


@dataclass(slots=True)
class DemoUser:
    """A member of the demo support organisation, before it becomes a Poise user."""

    email: str
    name: str
    role: str  # agent | lead | admin
    team: str | None

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


def slug(text: str) -> str:
    """ASCII letters only, lower case: "Zoë van Dijk" -> "zoevandijk" (for e-mail addresses)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", plain.lower())


def staff_email(name: str) -> str:
    """``firstname.lastname@poise.demo``, where the last name is everything after the first."""
    first, _, last = name.partition(" ")
    return f"{slug(first)}.{slug(last)}@{DOMAIN}"


def make_staff(rng: random.Random) -> list[DemoUser]:
    """Agents for each team, then one lead per team, then the admin (always ``admin@``)."""
    names = rng.sample(STAFF_NAMES, sum(AGENTS_PER_TEAM) + len(TEAMS) + 1)
    users: list[DemoUser] = []
    for team, count in zip(TEAMS, AGENTS_PER_TEAM, strict=True):
        for _ in range(count):
            name = names.pop()
            users.append(DemoUser(staff_email(name), name, "agent", team))
    for team in TEAMS:
        name = names.pop()
        users.append(DemoUser(staff_email(name), name, "lead", team))
    users.append(DemoUser(ADMIN_EMAIL, names.pop(), "admin", None))
    return users


def make_customers(rng: random.Random, count: int) -> list[CustomerRecord]:
    """``count`` customers with unique ids and e-mails; a few have no e-mail on file."""
    customers: list[CustomerRecord] = []
    taken: set[str] = set()
    for number in range(1, count + 1):
        first, last = rng.choice(CUSTOMER_FIRST), rng.choice(CUSTOMER_LAST)
        email: str | None = None
        if rng.random() >= 0.04:
            style = rng.randrange(4)
            local = {
                0: f"{slug(first)}.{slug(last)}",
                1: f"{slug(first)}{slug(last)}",
                2: f"{slug(first)[0]}{slug(last)}",
                3: f"{slug(first)}.{slug(last)}{rng.randint(1, 99)}",
            }[style]
            while local in taken:
                local = f"{local}{rng.randint(1, 9)}"
            taken.add(local)
            email = f"{local}@{rng.choice(CUSTOMER_DOMAINS)}"
        customers.append(CustomerRecord(f"cust-{number:05d}", f"{first} {last}", email))
    return customers
