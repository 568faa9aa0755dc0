"""The people of the demo network: the mission's staff, the institutions and the contacts."""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from faker import Faker

from contacts.models import (
    Affiliation,
    Contact,
    Grant,
    OfficerProfile,
    Organization,
    Sensitivity,
    Tag,
    Team,
)
from demo import phrases, vocabulary

DAY = dt.timedelta(days=1)
JERUSALEM = ZoneInfo("Asia/Jerusalem")
SIMPLE_NAME = re.compile(r"[^\W\d_]+(-[^\W\d_]+)?")

# (language of the name, weight, ((country, weight), ...)); the mission's host is Israel,
# with a large Russian-speaking community, so most contacts live there.
ORIGINS = (
    ("he", 45, (("IL", 1),)),
    ("ru", 28, (("IL", 3), ("RU", 1))),
    ("uk", 7, (("UA", 11), ("IL", 9))),
    ("en", 10, (("US", 13), ("IL", 7))),
    ("de", 10, (("DE", 4), ("IL", 1))),
)
FAKER_LOCALES = {"he": "he_IL", "ru": "ru_RU", "uk": "uk_UA", "en": "en_US", "de": "de_DE"}
# The language of invitations of contacts whose names are Hebrew or Russian (issue 19); the
# others keep it blank: the first of English, Russian, Hebrew among their languages.
GUEST_LANGUAGES = {"he": "he", "ru": "ru"}
PHONE_LOCALES = {"IL": "he_IL", "RU": "ru_RU", "UA": "uk_UA", "US": "en_US", "DE": "de_DE"}
LANGUAGES = {
    ("he", "IL"): (
        ["he", "en"],
        ["he", "en"],
        ["he", "en"],
        ["he", "en", "fr"],
        ["he", "en", "ar"],
    ),
    ("ru", "IL"): (["ru", "he", "en"], ["ru", "he"]),
    ("ru", "RU"): (["ru", "en"], ["ru"]),
    ("uk", "UA"): (["uk", "ru", "en"], ["uk", "en"]),
    ("uk", "IL"): (["uk", "ru", "he"],),
    ("en", "US"): (["en"], ["en", "ru"]),
    ("en", "IL"): (["en", "he"],),
    ("de", "DE"): (["de", "en"], ["de", "en", "ru"]),
    ("de", "IL"): (["de", "he", "en"],),
}

GIVEN_NAMES = {
    ("he", "female"): vocabulary.HEBREW_FEMALE_NAMES,
    ("he", "male"): vocabulary.HEBREW_MALE_NAMES,
    ("ru", "female"): vocabulary.RUSSIAN_FEMALE_NAMES,
    ("ru", "male"): vocabulary.RUSSIAN_MALE_NAMES,
    ("uk", "female"): vocabulary.UKRAINIAN_FEMALE_NAMES,
    ("uk", "male"): vocabulary.UKRAINIAN_MALE_NAMES,
}

_RUSSIAN_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
# Ukrainian follows the national (2010) romanization: ye, yi, y, yu, ya only word-initially.
_UKRAINIAN_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "'": "",
    "ʼ": "", "’": "",
}  # fmt: skip
_UKRAINIAN_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}


def romanize(text: str, language: str) -> str:
    """The Latin spelling of a Russian or Ukrainian name, as a passport would print it."""
    letters = _UKRAINIAN_LETTERS if language == "uk" else _RUSSIAN_LETTERS
    result, previous = [], " "
    for character in text:
        lower = character.lower()
        if lower not in letters:
            result.append(character)
            previous = character
            continue
        latin = letters[lower]
        if language == "uk" and not previous.isalpha():
            latin = _UKRAINIAN_INITIAL.get(lower, latin)
        if (
            language == "ru"
            and lower == "е"
            and (not previous.isalpha() or previous in "аеёиоуыэюяьъ")
        ):
            latin = "ye"
        if language == "uk" and lower == "г" and previous.lower() == "з":
            latin = "gh"
        result.append(latin.capitalize() if character.isupper() else latin)
        previous = lower
    return "".join(result)


def ascii_slug(text: str) -> str:
    """A lower-case ASCII form of a Latin name for e-mail addresses ("Müller" → "mueller")."""
    text = text.lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelled)
    decomposed = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(c for c in part if c.isalnum()) for part in decomposed.split())


def weighted(rng: random.Random, pairs):
    """One value from (value, weight) pairs."""
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


@dataclass(frozen=True)
class Staff:
    """The mission's demo users and the teams they sit in."""

    users: list
    teams_of: dict[int, frozenset[str]]
    lead: object
    planners: list
    # Users who hold channels: officers, planners and the lead (not the analyst).
    holders: list
    # Per team, the holders who own its contacts; the lead holds channels but owns few.
    holders_by_team: dict[str, list]


def create_staff() -> Staff:
    """The eight demo officers with their roles, teams and digest preferences."""
    roles = {role for member in vocabulary.STAFF for role in member.roles}
    groups = {group.name: group for group in Group.objects.filter(name__in=roles)}
    if missing := roles - groups.keys():
        # The role groups come from a data migration; a flushed database has none.
        raise LookupError(f"Role groups missing: {', '.join(sorted(missing))} (see migrations).")
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in vocabulary.TEAMS}
    staff = {member: _create_user(member, groups, teams) for member in vocabulary.STAFF}

    def having(roles, team=None) -> list:
        return [
            user
            for member, user in staff.items()
            if set(roles) & set(member.roles) and (team is None or team in member.teams)
        ]

    return Staff(
        users=list(staff.values()),
        teams_of={user.pk: frozenset(member.teams) for member, user in staff.items()},
        lead=having(["lead"])[0],
        planners=having(["planner"]),
        holders=having(["officer", "planner", "lead"]),
        holders_by_team={team: having(["officer", "planner"], team) for team in vocabulary.TEAMS},
    )


def _create_user(member: vocabulary.StaffMember, groups: dict, teams: dict):
    user = get_user_model()(
        username=member.username,
        first_name=member.first_name,
        last_name=member.last_name,
        email=f"{member.first_name}.{member.last_name}@{vocabulary.STAFF_EMAIL_DOMAIN}".lower(),
    )
    user.set_unusable_password()
    user.save()
    user.groups.add(*(groups[role] for role in member.roles))
    for team in member.teams:
        teams[team].members.add(user)
    OfficerProfile.objects.create(
        user=user,
        timezone=member.timezone,
        digest_hour=member.digest_hour,
        language=vocabulary.STAFF_LANGUAGES[member.username],
    )
    return user


def create_organizations() -> list[Organization]:
    """The sixty-odd institutions of the vocabulary."""
    return Organization.objects.bulk_create(
        Organization(
            name=institution.name,
            native_name=institution.native_name,
            kind=institution.kind,
            country=institution.country,
            city=institution.city,
            website=f"https://{institution.domain}/",
            description=institution.description,
        )
        for institution in vocabulary.INSTITUTIONS
    )


def domain_of(organization: Organization) -> str:
    """The organization's web domain, which its staff's e-mail addresses use."""
    return organization.website.removeprefix("https://").rstrip("/")


class Access:
    """Who may see which demo contact: ``Contact.objects.visible_to`` mirrored in memory,
    so that no channel or exchange is given to an officer who could not see its contact."""

    def __init__(self, staff: Staff):
        self.teams_of = staff.teams_of
        self.grants: dict[tuple[int, int], int] = {}

    def can_see(self, user, contact: Contact) -> bool:
        if contact.sensitivity == Sensitivity.STANDARD or contact.owner_id == user.pk:
            return True
        if (contact.pk, user.pk) in self.grants:
            return True
        shares_team = self.teams_of[user.pk] & self.teams_of[contact.owner_id]
        return contact.sensitivity == Sensitivity.RESTRICTED and bool(shares_team)

    def grant(self, contact: Contact, user) -> None:
        """Let a user see a contact, granted by its owner."""
        if not self.can_see(user, contact):
            self.grants[(contact.pk, user.pk)] = contact.owner_id

    def save(self) -> None:
        Grant.objects.bulk_create(
            Grant(contact_id=contact_id, user_id=user_id, granted_by_id=owner_id)
            for (contact_id, user_id), owner_id in self.grants.items()
        )


@dataclass
class Person:
    """A contact still being built, with what the later builders need to know."""

    contact: Contact
    language: str
    gender: str
    created_at: dt.datetime
    affiliations: list[Affiliation] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


class PeopleFactory:
    """Makes believable contacts from seeded Faker generators and the fixed vocabulary."""

    def __init__(self, *, seed: int, rng: random.Random, now: dt.datetime, staff: Staff,
                 organizations: list[Organization]):  # fmt: skip
        self.rng, self.now, self.staff, self.organizations = rng, now, staff, organizations
        self.fakers = {}
        for locale in sorted(set(FAKER_LOCALES.values()) | set(PHONE_LOCALES.values())):
            self.fakers[locale] = Faker(locale)
            self.fakers[locale].seed_instance(f"{seed}:{locale}")
        self.emails: set[str] = set()
        self.owned = {user.pk: 0 for user in staff.users}
        self.today = now.astimezone(JERUSALEM).date()

    def make(self, category: str) -> Person:
        rng = self.rng
        language, _, countries = weighted(rng, ((origin, origin[1]) for origin in ORIGINS))
        country = weighted(rng, countries)
        gender = rng.choice(("female", "male"))
        first, last, native = self._name(language, gender)
        contact = Contact(
            full_name=f"{first} {last}",
            native_name=native,
            category=category,
            country=country,
            languages=list(rng.choice(LANGUAGES[(language, country)])),
            language=GUEST_LANGUAGES.get(language, ""),
            layer=weighted(rng, vocabulary.LAYERS_OF_CATEGORY[category]),
            sensitivity=self._sensitivity(category),
        )
        person = Person(contact, language, gender, self._created_at())
        self._place(person)
        self._owner(person)
        contact.email = self._email(first, last, contact.organization)
        if rng.random() < 0.6:
            contact.phone = self.fakers[PHONE_LOCALES[country]].phone_number()
        contact.notes = self._notes(contact)
        person.tags = self._tags(person)
        return person

    def _name(self, language: str, gender: str) -> tuple[str, str, str]:
        """First and family name in Latin script, and the full name in the person's own."""
        faker = self.fakers[FAKER_LOCALES[language]]
        if language == "he":
            given = GIVEN_NAMES[(language, gender)]
            first_native, first = faker.random_element(given)
            last_native, last = faker.random_element(vocabulary.HEBREW_FAMILY_NAMES)
            return first, last, f"{first_native} {last_native}"
        if language in ("ru", "uk"):
            first_native = faker.random_element(GIVEN_NAMES[(language, gender)])
            last_native = faker.last_name_female() if gender == "female" else faker.last_name_male()
            return (
                romanize(first_native, language),
                romanize(last_native, language),
                f"{first_native} {last_native}",
            )
        first = faker.first_name_female() if gender == "female" else faker.first_name_male()
        last = faker.last_name()
        # Faker's German list holds a few oddities ("Koch II", "Dussen van"); skip them.
        while not SIMPLE_NAME.fullmatch(last):
            last = faker.last_name()
        return first, last, ""

    def _sensitivity(self, category: str) -> str:
        exposed = category in ("journalist", "civil_society")
        protected, restricted = (0.15, 0.20) if exposed else (0.02, 0.14)
        draw = self.rng.random()
        if draw < protected:
            return Sensitivity.PROTECTED
        if draw < protected + restricted:
            return Sensitivity.RESTRICTED
        return Sensitivity.STANDARD

    def _created_at(self) -> dt.datetime:
        """Most contacts were in the network two years ago; some were met since."""
        if self.rng.random() < 0.85:
            return self.now - dt.timedelta(days=730 + self.rng.uniform(0, 60))
        return self.now - dt.timedelta(days=self.rng.uniform(10, 650))

    def _organizations_for(self, category: str, country: str, *, excluding=None):
        kinds = vocabulary.KINDS_OF_CATEGORY[category]
        fitting = [o for o in self.organizations if o.kind in kinds and o is not excluding]
        local = [o for o in fitting if o.country == country]
        pool = local if local and self.rng.random() < 0.9 else fitting
        # The category's first kind is its usual employer.
        return pool, [3 if o.kind == kinds[0] else 1 for o in pool]

    def _place(self, person: Person) -> None:
        """Current and past affiliations; the first current one is the primary organization."""
        rng, contact = self.rng, person.contact
        freelance = rng.random() < (
            0.08 if contact.category in ("journalist", "cultural") else 0.03
        )
        current = None
        if not freelance:
            pool, weights = self._organizations_for(contact.category, contact.country)
            current = Affiliation(
                organization=rng.choices(pool, weights=weights)[0],
                role=rng.choice(vocabulary.ROLES_OF_CATEGORY[contact.category]),
                starts_on=self.today - rng.randint(180, 4000) * DAY,
            )
            contact.organization = current.organization
            person.affiliations.append(current)
        if rng.random() < (0.6 if freelance else 0.35):
            person.affiliations.append(self._former(contact, current))
        if current and contact.category in ("academic", "think_tank") and rng.random() < 0.1:
            fellowships = [
                o
                for o in self.organizations
                if o.kind == "think_tank" and o is not current.organization
            ]
            person.affiliations.append(
                Affiliation(
                    organization=rng.choice(fellowships),
                    role="Associate Fellow",
                    starts_on=current.starts_on + rng.randint(30, 150) * DAY,
                )
            )

    def _former(self, contact: Contact, current: Affiliation | None) -> Affiliation:
        """A position held before the current one (or before going freelance)."""
        rng = self.rng
        pool, weights = self._organizations_for(
            contact.category, contact.country, excluding=contact.organization
        )
        ends_on = (current.starts_on if current else self.today) - rng.randint(0, 120) * DAY
        return Affiliation(
            organization=rng.choices(pool, weights=weights)[0],
            role=rng.choice(vocabulary.ROLES_OF_CATEGORY[contact.category]),
            starts_on=ends_on - rng.randint(365, 3000) * DAY,
            ends_on=ends_on,
        )

    def _owner(self, person: Person) -> None:
        team = vocabulary.TEAM_OF_CATEGORY[person.contact.category]
        if person.contact.category == "other":
            team = self.rng.choice(vocabulary.TEAMS)
        if self.rng.random() < 0.05:
            person.contact.owner = self.staff.lead
            return
        # The least busy holder in the team, so that officers in two teams are not swamped.
        holders = self.staff.holders_by_team[team]
        fewest = min(self.owned[holder.pk] for holder in holders)
        owner = self.rng.choice([h for h in holders if self.owned[h.pk] == fewest])
        self.owned[owner.pk] += 1
        person.contact.owner = owner

    def _email(self, first: str, last: str, organization: Organization | None) -> str:
        if self.rng.random() < 0.12:
            return ""
        domain = domain_of(organization) if organization else "mail.example"
        local = f"{ascii_slug(first)}.{ascii_slug(last)}"
        address, number = f"{local}@{domain}", 1
        while address in self.emails:
            number += 1
            address = f"{local}{number}@{domain}"
        self.emails.add(address)
        return address

    def _notes(self, contact: Contact) -> str:
        if contact.sensitivity == Sensitivity.PROTECTED:
            return self.rng.choice(phrases.PROTECTED_NOTES)
        return self.rng.choice(phrases.CONTACT_NOTES) if self.rng.random() < 0.25 else ""

    def _tags(self, person: Person) -> list[str]:
        category, female = person.contact.category, person.gender == "female"
        immigrant = person.language in ("ru", "uk") and person.contact.country == "IL"
        chances = {
            "media-forum-2025": 0.35 * (category == "journalist"),
            "alumni": 0.12 * (category in ("academic", "civil_society", "technology")),
            "women-in-tech": 0.6 * (female and category == "technology")
            + 0.1 * (female and category == "academic"),
            "russian-speaking": 0.5 * immigrant,
            "young-leaders": 0.15 * (category in ("civil_society", "community")),
            "residence-dinner": 0.07,
            "newsletter": 0.25,
        }
        return [tag for tag in vocabulary.TAGS if self.rng.random() < chances[tag]]


def create_contacts(
    *,
    seed: int,
    rng: random.Random,
    now: dt.datetime,
    staff: Staff,
    organizations: list[Organization],
) -> list[Person]:
    """About 300 contacts in every category, with their affiliations and tags."""
    factory = PeopleFactory(seed=seed, rng=rng, now=now, staff=staff, organizations=organizations)
    categories = [c for c, count in vocabulary.CATEGORY_COUNTS.items() for _ in range(count)]
    rng.shuffle(categories)
    people = [factory.make(category) for category in categories]
    Contact.objects.bulk_create(person.contact for person in people)
    # created_at is auto_now_add; bulk_update writes the planned history without save().
    for person in people:
        person.contact.created_at = person.contact.updated_at = person.created_at
    Contact.objects.bulk_update(
        [person.contact for person in people], ["created_at", "updated_at"], batch_size=200
    )
    for person in people:
        for affiliation in person.affiliations:
            affiliation.contact = person.contact
    Affiliation.objects.bulk_create(a for person in people for a in person.affiliations)
    tags = {name: Tag.objects.get_or_create(name=name)[0] for name in vocabulary.TAGS}
    Contact.tags.through.objects.bulk_create(
        Contact.tags.through(contact_id=person.contact.pk, tag_id=tags[name].pk)
        for person in people
        for name in person.tags
    )
    return people
