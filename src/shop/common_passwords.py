"""Passwords that pass the strength rules yet are the first a guesser tries: registration,
a password change and a reset refuse them (schemas.strong_password), compared lower-cased."""

COMMON_PASSWORDS = frozenset(
    p.lower()
    for p in (
        "Password1!",
        "Passw0rd!",
        "P@ssw0rd",
        "P@ssword1",
        "Password123!",
        "Welcome1!",
        "Qwerty123!",
        "Admin123!",
        "Letmein1!",
        "Abcd1234!",
        "Aa123456!",
        "Iloveyou1!",
        "Summer2024!",
        "Winter2024!",
        "Spring2025!",
        "Autumn2025!",
        "Changeme1!",
        "Football1!",
        "Monkey123!",
        "Dragon123!",
        "Sunshine1!",
        "Princess1!",
        "Master123!",
        "Trustno1!",
    )
)
