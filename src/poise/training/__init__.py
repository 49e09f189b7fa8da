"""Training: lessons with quizzes, assignments, a spaced review schedule, practice replies."""
