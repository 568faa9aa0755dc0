"""The fixed facts of the demo network: staff, institutions, categories and names.

Every institution and person here is fictional. Web sites and e-mail addresses use the
reserved ``.example`` domain so that no demo message can ever reach a real mailbox.
"""

from typing import NamedTuple


class StaffMember(NamedTuple):
    username: str
    first_name: str
    last_name: str
    roles: tuple[str, ...]
    teams: tuple[str, ...]
    timezone: str
    digest_hour: int


# The usernames double as the marker that the demo network is present.
STAFF = (
    StaffMember("demo.maren.holt", "Maren", "Holt", ("officer",), ("press",), "Asia/Jerusalem", 8),
    StaffMember(
        "demo.jonas.weber",
        "Jonas",
        "Weber",
        ("officer",),
        ("press", "science"),
        "Asia/Jerusalem",
        8,
    ),
    StaffMember(
        "demo.elena.varga", "Elena", "Varga", ("officer",), ("culture",), "Asia/Jerusalem", 8
    ),
    StaffMember(
        "demo.david.amsel", "David", "Amsel", ("officer",), ("science",), "Asia/Jerusalem", 7
    ),
    StaffMember(
        "demo.sofia.lind",
        "Sofia",
        "Lind",
        ("planner",),
        ("culture", "community"),
        "Asia/Jerusalem",
        8,
    ),
    StaffMember(
        "demo.ilya.brandt",
        "Ilya",
        "Brandt",
        ("officer", "planner"),
        ("community",),
        "Asia/Jerusalem",
        8,
    ),
    StaffMember(
        "demo.thomas.keller",
        "Thomas",
        "Keller",
        ("lead",),
        ("press", "culture", "science", "community"),
        "Asia/Jerusalem",
        8,
    ),
    StaffMember("demo.nadia.roth", "Nadia", "Roth", ("analyst",), (), "Europe/Berlin", 8),
)
# Each officer's own language (their pages and digests): a mix, as at the mission; blank
# follows the browser.
STAFF_LANGUAGES = {
    "demo.maren.holt": "en",
    "demo.jonas.weber": "",
    "demo.elena.varga": "ru",
    "demo.david.amsel": "he",
    "demo.sofia.lind": "he",
    "demo.ilya.brandt": "ru",
    "demo.thomas.keller": "he",
    "demo.nadia.roth": "en",
}
STAFF_EMAIL_DOMAIN = "mission.example"
TEAMS = ("press", "culture", "science", "community")

# Which team looks after which category of contact.
TEAM_OF_CATEGORY = {
    "academic": "science",
    "journalist": "press",
    "think_tank": "science",
    "cultural": "culture",
    "civil_society": "community",
    "community": "community",
    "technology": "science",
    "religious": "culture",
    "other": "community",
}


class Institution(NamedTuple):
    name: str
    native_name: str
    kind: str
    country: str
    city: str
    domain: str
    description: str


INSTITUTIONS = (
    # Universities
    Institution("Carmel University", "אוניברסיטת הכרמל", "university", "IL", "Haifa",
                "carmel-university.example", "Public research university on Mount Carmel."),
    Institution("Jerusalem Academy of Humanities", "האקדמיה הירושלמית למדעי הרוח", "university",
                "IL", "Jerusalem", "jah.example", "Humanities, languages and area studies."),
    Institution("Tel Aviv Polytechnic", "הפוליטכניון של תל אביב", "university", "IL",
                "Tel Aviv", "ta-polytechnic.example", "Engineering and computer science."),
    Institution("Southern University of Israel", "האוניברסיטה הדרומית", "university", "IL",
                "Beersheba", "southern-university.example", "Desert research and medicine."),
    Institution("Sharon Academic College", "המכללה האקדמית השרון", "university", "IL",
                "Netanya", "sharon-college.example", "Teaching college with a large immigrant "
                "student body."),
    Institution("Galilee Academic College", "המכללה האקדמית לגליל", "university", "IL",
                "Karmiel", "galilee-college.example", "Regional college in the Galilee."),
    Institution("Dnipro University of Humanities", "Дніпровський гуманітарний університет",
                "university", "UA", "Dnipro", "dnipro-humanities.example",
                "Languages, history and journalism."),
    Institution("Saxony University of Applied Sciences",
                "Sächsische Hochschule für angewandte Wissenschaften", "university", "DE",
                "Leipzig", "hs-sachsen.example", "Applied sciences and media studies."),
    Institution("Lakeshore University", "", "university", "US", "Chicago",
                "lakeshore-university.example", "Private research university."),
    # Research institutes
    Institution("Institute for Eurasian Studies", "המכון ללימודי אירואסיה", "research_institute",
                "IL", "Jerusalem", "eurasian-studies.example", "Russia, Ukraine and the "
                "Caucasus."),
    Institution("Mediterranean Water Research Institute", "המכון הים-תיכוני לחקר המים",
                "research_institute", "IL", "Haifa", "med-water.example",
                "Desalination and shared water resources."),
    Institution("Centre for Migration Research", "המרכז לחקר ההגירה", "research_institute",
                "IL", "Tel Aviv", "migration-research.example", "Immigration and integration."),
    Institution("Rehovot Institute of Applied Science", "מכון רחובות למדע יישומי",
                "research_institute", "IL", "Rehovot", "rias.example",
                "Agritech and life sciences."),
    Institution("Volga Institute of Social Research",
                "Поволжский институт социальных исследований", "research_institute", "RU",
                "Kazan", "volga-social.example", "Sociology and public opinion."),
    Institution("Berlin Institute for Middle East Studies", "Berliner Institut für Nahoststudien",
                "research_institute", "DE", "Berlin", "bims.example",
                "Politics and societies of the Middle East."),
    # Think tanks
    Institution("Herzliya Policy Forum", "פורום הרצליה למדיניות", "think_tank", "IL",
                "Herzliya", "herzliya-forum.example", "Security and foreign policy."),
    Institution("Jerusalem Centre for Regional Dialogue", "המרכז הירושלמי לדיאלוג אזורי",
                "think_tank", "IL", "Jerusalem", "jcrd.example", "Track-two regional dialogue."),
    Institution("Eastern Mediterranean Security Forum", "פורום הביטחון של מזרח הים התיכון",
                "think_tank", "IL", "Tel Aviv", "emsf.example", "Energy and maritime security."),
    Institution("Lighthouse Policy Institute", "מכון המגדלור למדיניות", "think_tank", "IL",
                "Tel Aviv", "lighthouse-policy.example", "Economy and governance."),
    Institution("Kyiv Centre for Strategic Dialogue", "Київський центр стратегічного діалогу",
                "think_tank", "UA", "Kyiv", "kcsd.example", "European security."),
    Institution("Moscow Forum on Foreign Policy", "Московский форум по внешней политике",
                "think_tank", "RU", "Moscow", "mffp.example", "Foreign policy debate club."),
    Institution("Potomac Dialogue Institute", "", "think_tank", "US", "Washington",
                "potomac-dialogue.example", "Transatlantic and Middle East policy."),
    # Media outlets
    Institution("HaYom HaZeh", "היום הזה", "media_outlet", "IL", "Tel Aviv",
                "hayom-hazeh.example", "Hebrew-language daily."),
    Institution("Novosti Sredizemnomorya", "Новости Средиземноморья", "media_outlet", "IL",
                "Tel Aviv", "novosti-med.example", "Russian-language weekly."),
    Institution("Globus Online", "Глобус Онлайн", "media_outlet", "IL", "Ashdod",
                "globus-online.example", "Russian-language news portal."),
    Institution("Radio Carmel", "רדיו כרמל", "media_outlet", "IL", "Haifa",
                "radio-carmel.example", "Regional radio station."),
    Institution("Levant Weekly", "", "media_outlet", "IL", "Jerusalem", "levant-weekly.example",
                "English-language weekly."),
    Institution("Darom TV", "ערוץ דרום", "media_outlet", "IL", "Beersheba", "darom-tv.example",
                "Regional television in the south."),
    Institution("Mittelmeer-Kurier", "Der Mittelmeer-Kurier", "media_outlet", "DE", "Hamburg",
                "mittelmeer-kurier.example", "Weekly on the Mediterranean region."),
    Institution("Hromada Media", "Громада Медіа", "media_outlet", "UA", "Lviv",
                "hromada-media.example", "Independent online outlet."),
    Institution("Vostochny Vestnik", "Восточный вестник", "media_outlet", "RU", "Moscow",
                "vostochny-vestnik.example", "Magazine on the Middle East."),
    Institution("Harbor Street Media", "", "media_outlet", "US", "New York",
                "harbor-street.example", "Podcast network."),
    # Cultural institutions
    Institution("Jaffa Port Arts Centre", "מרכז האמנויות נמל יפו", "cultural_institution", "IL",
                "Tel Aviv", "jaffa-arts.example", "Galleries and a black-box stage."),
    Institution("Carmel Chamber Ensemble", "אנסמבל כרמל קאמרי", "cultural_institution", "IL",
                "Haifa", "carmel-ensemble.example", "Chamber music."),
    Institution("Museum of Immigration Memory", "מוזיאון זיכרון העלייה", "cultural_institution",
                "IL", "Haifa", "immigration-museum.example", "Oral histories of immigration."),
    Institution("Pushkin Cultural Centre", "Культурный центр имени Пушкина",
                "cultural_institution", "IL", "Ashdod", "pushkin-ashdod.example",
                "Russian-language theatre, library and concerts."),
    Institution("Jerusalem House of Literature", "בית הספרות הירושלמי", "cultural_institution",
                "IL", "Jerusalem", "literature-house.example", "Readings and translation."),
    Institution("Negev Documentary Festival", "פסטיבל הסרטים התיעודיים של הנגב",
                "cultural_institution", "IL", "Beersheba", "negev-docs.example",
                "Annual documentary film festival."),
    Institution("Kunsthalle am Ring", "", "cultural_institution", "DE", "Leipzig",
                "kunsthalle-ring.example", "Contemporary art."),
    # Community organizations
    Institution("Ashdod Russian-Speakers' Association",
                "Ассоциация русскоязычных жителей Ашдода", "community_organization", "IL",
                "Ashdod", "ashdod-association.example", "Russian-speaking residents of Ashdod."),
    Institution("Ukrainian Community of Haifa", "Українська громада Хайфи",
                "community_organization", "IL", "Haifa", "ua-haifa.example",
                "Ukrainian speakers in the north."),
    Institution("Beersheba Veterans' Club", "Клуб ветеранов Беэр-Шевы", "community_organization",
                "IL", "Beersheba", "veterans-beersheba.example", "Second World War veterans."),
    Institution("Ethiopian-Israeli Youth Forum", "פורום צעירים יוצאי אתיופיה",
                "community_organization", "IL", "Rehovot", "eiyf.example",
                "Young leaders of Ethiopian origin."),
    Institution("Bat Yam Neighbourhood Councils", "מועצות השכונות בת ים",
                "community_organization", "IL", "Bat Yam", "batyam-councils.example",
                "Elected neighbourhood councils."),
    Institution("Karmiel Newcomers' Circle", "חוג העולים כרמיאל", "community_organization", "IL",
                "Karmiel", "karmiel-newcomers.example", "Newcomers' mutual help."),
    # NGOs
    Institution("Open Doors for Dialogue", "דלתות פתוחות לדיאלוג", "ngo", "IL", "Jerusalem",
                "open-doors.example", "Dialogue groups across communities."),
    Institution("Citizens for Coexistence", "אזרחים למען דו-קיום", "ngo", "IL", "Haifa",
                "coexistence.example", "Shared society programmes."),
    Institution("Press Freedom Watch", "משמר חופש העיתונות", "ngo", "IL", "Tel Aviv",
                "press-freedom-watch.example", "Monitors pressure on journalists."),
    Institution("Women in Science Network", "רשת נשים במדע", "ngo", "IL", "Rehovot",
                "women-in-science.example", "Mentoring for women researchers."),
    Institution("Green Mediterranean Initiative", "יוזמת הים התיכון הירוק", "ngo", "IL",
                "Tel Aviv", "green-med.example", "Coastal and climate projects."),
    Institution("Memory and Future Association", "Erinnerung und Zukunft e.V.", "ngo", "DE",
                "Berlin", "erinnerung-zukunft.example", "Remembrance and youth exchanges."),
    # Companies
    Institution("Tamar Cyber Systems", "תמר מערכות סייבר", "company", "IL", "Beersheba",
                "tamar-cyber.example", "Industrial cyber security."),
    Institution("Kinneret Data Labs", "מעבדות הנתונים כנרת", "company", "IL", "Tel Aviv",
                "kinneret-data.example", "Machine learning for health care."),
    Institution("Yarkon Robotics", "ירקון רובוטיקה", "company", "IL", "Petah Tikva",
                "yarkon-robotics.example", "Agricultural robots."),
    Institution("Black Sea Software", "Чорноморський софт", "company", "UA", "Odesa",
                "black-sea-software.example", "Software outsourcing."),
    Institution("Spree Quantum", "Spree Quantum GmbH", "company", "DE", "Berlin",
                "spree-quantum.example", "Quantum sensing start-up."),
    # Religious institutions
    Institution("Haifa Interreligious Council", "המועצה הבין-דתית חיפה", "religious_institution",
                "IL", "Haifa", "haifa-interreligious.example", "Clergy of every faith in Haifa."),
    Institution("Kehilat Or Hadash", "קהילת אור חדש", "religious_institution", "IL", "Netanya",
                "or-hadash.example", "Congregation with many Russian-speaking members."),
    Institution("Jerusalem Interfaith Centre", "המרכז הבין-דתי בירושלים",
                "religious_institution", "IL", "Jerusalem", "interfaith-jerusalem.example",
                "Interfaith study and encounters."),
    # Government bodies
    Institution("Netanya Municipality, Absorption Department",
                "עיריית נתניה – המחלקה לקליטת עלייה", "government_body", "IL", "Netanya",
                "netanya-city.example", "Help for new immigrants."),
    Institution("Haifa Municipality, International Relations", "עיריית חיפה – קשרי חוץ",
                "government_body", "IL", "Haifa", "haifa-city.example", "Twin cities and visits."),
    Institution("Ashdod Municipality, Culture Department", "עיריית אשדוד – מחלקת תרבות",
                "government_body", "IL", "Ashdod", "ashdod-city.example",
                "Municipal culture programme."),
)  # fmt: skip

# The kinds of organization where each category of contact works, most likely first.
KINDS_OF_CATEGORY = {
    "academic": ("university", "research_institute"),
    "journalist": ("media_outlet",),
    "think_tank": ("think_tank", "research_institute"),
    "cultural": ("cultural_institution",),
    "civil_society": ("ngo", "community_organization"),
    "community": ("community_organization", "government_body"),
    "technology": ("company", "university", "research_institute"),
    "religious": ("religious_institution",),
    "other": ("government_body", "company", "ngo"),
}

ROLES_OF_CATEGORY = {
    "academic": (
        "Professor of Political Science", "Associate Professor of History",
        "Senior Lecturer in Slavic Studies", "Head of Middle East Studies",
        "Dean of Humanities", "Research Fellow", "Lecturer in Sociology",
        "Director of the Centre for Russian Studies", "Postdoctoral Researcher",
    ),
    "journalist": (
        "Foreign Desk Editor", "Political Correspondent", "Columnist", "Editor-in-Chief",
        "Diplomatic Correspondent", "Producer", "News Anchor", "Podcast Host",
    ),
    "think_tank": (
        "Senior Fellow", "Research Director", "Programme Director", "Analyst",
        "Executive Director", "Visiting Fellow",
    ),
    "cultural": (
        "Artistic Director", "Curator", "Conductor", "Writer in Residence", "Festival Director",
        "Actor", "Literary Translator", "Film Director",
    ),
    "civil_society": (
        "Executive Director", "Founder", "Campaign Coordinator", "Board Member", "Spokesperson",
        "Programme Manager",
    ),
    "community": (
        "Chair", "Community Coordinator", "Deputy Chair", "Volunteer Coordinator",
        "Board Member", "Head of Department",
    ),
    "technology": (
        "Chief Technology Officer", "Founder and CEO", "Head of Research", "Product Manager",
        "Senior Engineer", "Data Scientist",
    ),
    "religious": ("Rabbi", "Chair of the Council", "Community Rabbi", "Interfaith Coordinator"),
    "other": ("Adviser", "Deputy Director", "Head of International Relations", "Consultant"),
}  # fmt: skip

# (strategy layer, weight) per category.
LAYERS_OF_CATEGORY = {
    "academic": (("civil_epistemic", 7), ("political", 2), ("soft_cultural", 1)),
    "journalist": (("narrative", 17), ("political", 3)),
    "think_tank": (("political", 5), ("security", 4), ("civil_epistemic", 1)),
    "cultural": (("soft_cultural", 9), ("narrative", 1)),
    "civil_society": (("civil_epistemic", 5), ("political", 3), ("narrative", 2)),
    "community": (("soft_cultural", 5), ("political", 4), ("narrative", 1)),
    "technology": (("civil_epistemic", 6), ("security", 4)),
    "religious": (("soft_cultural", 8), ("political", 2)),
    "other": (
        ("security", 1), ("political", 1), ("narrative", 1), ("soft_cultural", 1),
        ("civil_epistemic", 1),
    ),
}  # fmt: skip

# How many contacts of each category the demo holds (300 in all).
CATEGORY_COUNTS = {
    "academic": 55,
    "journalist": 50,
    "think_tank": 35,
    "cultural": 40,
    "civil_society": 35,
    "community": 35,
    "technology": 25,
    "religious": 10,
    "other": 15,
}

# Hebrew names with the usual Latin spelling: Hebrew script has no reliable vowels, so a
# table reads better than any automatic romanization.
HEBREW_MALE_NAMES = (
    ("אברהם", "Avraham"), ("אהרון", "Aharon"), ("אורי", "Uri"), ("איתי", "Itai"),
    ("איתן", "Eitan"), ("אלון", "Alon"), ("אמיר", "Amir"), ("אריאל", "Ariel"),
    ("אסף", "Assaf"), ("בועז", "Boaz"), ("גיל", "Gil"), ("גלעד", "Gilad"), ("דוד", "David"),
    ("דניאל", "Daniel"), ("הראל", "Harel"), ("זאב", "Zeev"), ("חיים", "Haim"), ("טל", "Tal"),
    ("יובל", "Yuval"), ("יואב", "Yoav"), ("יונתן", "Yonatan"), ("יצחק", "Yitzhak"),
    ("ירון", "Yaron"), ("מאיר", "Meir"), ("מיכאל", "Michael"), ("משה", "Moshe"),
    ("נדב", "Nadav"), ("נועם", "Noam"), ("עומר", "Omer"), ("עמית", "Amit"), ("עידו", "Ido"),
    ("רון", "Ron"), ("רועי", "Roee"), ("שחר", "Shahar"), ("שלמה", "Shlomo"),
    ("שמעון", "Shimon"), ("תומר", "Tomer"), ("ברק", "Barak"), ("יהודה", "Yehuda"),
    ("נתן", "Natan"),
)  # fmt: skip
HEBREW_FEMALE_NAMES = (
    ("אביגיל", "Avigail"), ("אורית", "Orit"), ("איילת", "Ayelet"), ("אילנה", "Ilana"),
    ("אסתר", "Esther"), ("גלית", "Galit"), ("דנה", "Dana"), ("הדס", "Hadas"), ("ורד", "Vered"),
    ("חנה", "Hana"), ("טליה", "Talia"), ("יעל", "Yael"), ("יפעת", "Yifat"), ("לימור", "Limor"),
    ("מיכל", "Michal"), ("מירב", "Merav"), ("נועה", "Noa"), ("נטע", "Neta"), ("סיגל", "Sigal"),
    ("עדי", "Adi"), ("ענת", "Anat"), ("רחל", "Rachel"), ("רונית", "Ronit"), ("רות", "Ruth"),
    ("שרה", "Sarah"), ("שירה", "Shira"), ("תמר", "Tamar"), ("הילה", "Hila"), ("קרן", "Keren"),
    ("דפנה", "Dafna"), ("מאיה", "Maya"), ("ליאת", "Liat"), ("נורית", "Nurit"),
    ("ענבר", "Inbar"), ("אפרת", "Efrat"), ("יהודית", "Yehudit"),
)  # fmt: skip
HEBREW_FAMILY_NAMES = (
    ("כהן", "Cohen"), ("לוי", "Levi"), ("מזרחי", "Mizrahi"), ("פרץ", "Peretz"),
    ("ביטון", "Biton"), ("דהן", "Dahan"), ("פרידמן", "Friedman"), ("אזולאי", "Azoulay"),
    ("מלכה", "Malka"), ("כץ", "Katz"), ("יוסף", "Yosef"), ("עמר", "Amar"),
    ("אוחיון", "Ohayon"), ("חדד", "Hadad"), ("גבאי", "Gabay"), ("בן דוד", "Ben David"),
    ("אדלר", "Adler"), ("שפירא", "Shapira"), ("גולדברג", "Goldberg"),
    ("רוזנברג", "Rosenberg"), ("ברגר", "Berger"), ("שטרן", "Stern"), ("ויס", "Weiss"),
    ("קליין", "Klein"), ("הורוביץ", "Horowitz"), ("סגל", "Segal"), ("ברק", "Barak"),
    ("אלון", "Alon"), ("אורן", "Oren"), ("שמיר", "Shamir"), ("גורן", "Goren"),
    ("נחום", "Nahum"), ("שלום", "Shalom"), ("בן עמי", "Ben Ami"), ("אשכנזי", "Ashkenazi"),
    ("רבינוביץ", "Rabinovich"), ("זילברמן", "Silberman"), ("כרמלי", "Karmeli"),
    ("הלוי", "Halevi"), ("אלמוג", "Almog"), ("רז", "Raz"), ("גל", "Gal"), ("שגיא", "Sagi"),
    ("ששון", "Sasson"), ("מימון", "Maimon"), ("אטיאס", "Attias"), ("אלבז", "Elbaz"),
    ("אביטל", "Avital"), ("חזן", "Hazan"), ("לנדאו", "Landau"), ("קפלן", "Kaplan"),
    ("פישר", "Fisher"), ("וולף", "Wolf"), ("ליבוביץ", "Leibovitz"), ("צור", "Tzur"),
    ("נבון", "Navon"), ("שושן", "Shoshan"), ("אקרמן", "Ackerman"), ("בר", "Bar"),
)  # fmt: skip

# Given names in use today; Faker's lists also hold names a century out of fashion.
RUSSIAN_MALE_NAMES = (
    "Александр", "Алексей", "Андрей", "Антон", "Артём", "Борис", "Вадим", "Виктор",
    "Владимир", "Дмитрий", "Евгений", "Иван", "Игорь", "Илья", "Кирилл", "Константин",
    "Максим", "Михаил", "Никита", "Олег", "Павел", "Роман", "Сергей", "Юрий", "Григорий",
    "Леонид", "Марк", "Денис", "Фёдор", "Яков",
)  # fmt: skip
RUSSIAN_FEMALE_NAMES = (
    "Александра", "Алина", "Анастасия", "Анна", "Валерия", "Вера", "Дарья", "Евгения",
    "Екатерина", "Елена", "Ирина", "Ксения", "Лариса", "Марина", "Мария", "Наталья", "Ольга",
    "Полина", "Светлана", "Софья", "Татьяна", "Юлия", "Яна", "Галина", "Инна", "Жанна",
)  # fmt: skip
UKRAINIAN_MALE_NAMES = (
    "Андрій", "Богдан", "Василь", "Віктор", "Володимир", "Дмитро", "Ігор", "Олег",
    "Олександр", "Остап", "Павло", "Роман", "Сергій", "Тарас", "Юрій", "Михайло", "Степан",
    "Максим",
)  # fmt: skip
UKRAINIAN_FEMALE_NAMES = (
    "Алла", "Анна", "Вікторія", "Галина", "Дарина", "Ірина", "Катерина", "Леся", "Марія",
    "Наталія", "Оксана", "Олена", "Ольга", "Софія", "Тетяна", "Юлія", "Христина",
)  # fmt: skip

TAGS = (
    "media-forum-2025",
    "alumni",
    "women-in-tech",
    "russian-speaking",
    "young-leaders",
    "residence-dinner",
    "newsletter",
)
