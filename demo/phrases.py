"""The demo network's words: notes, exchange summaries, climate notes, events, programmes.

Everything here is fictional.
"""

from typing import NamedTuple

CONTACT_NOTES = (
    "Prefers to meet in Russian; switches to Hebrew when others join.",
    "Avoid Friday afternoons; reachable by phone in the evening.",
    "Close to the faculty board; a good judge of the campus mood.",
    "Writes a weekly column; anything said may appear in print unless agreed otherwise.",
    "Introduced by the previous cultural attaché in 2022.",
    "Travels to Berlin every spring; offer to meet there.",
    "Speaks for a broad coalition; check before quoting names.",
    "Enjoys long lunches; keeps time-sensitive topics for the end.",
)
PROTECTED_NOTES = (
    "Under pressure from their employer for foreign contacts: meet in person only, "
    "no written messages.",
    "Has received threats after recent reporting; never mention our contact in public.",
    "Asked that their name not appear on any guest list.",
)

# Private notes on exchanges.
EXCHANGE_NOTES = (
    "Off the record: expects a reshuffle at the top of the organization before summer.",
    "Hinted at funding trouble; worth a discreet follow-up.",
    "Seemed tired and cautious; did not want to discuss the bilateral agenda.",
    "Mentioned that a colleague was questioned about foreign contacts.",
    "Offered to introduce us to two younger colleagues.",
    "Asked whether we could help with a visa for a visiting lecturer.",
)


class Topic(NamedTuple):
    slug: str
    sentences: tuple[str, ...]


TOPICS_OF_CATEGORY = {
    "academic": (
        Topic("research-cooperation", (
            "Discussed a joint grant application; they need a foreign partner before the "
            "spring deadline.",
            "Reviewed the draft of the joint research proposal; a budget should follow "
            "this month.",
        )),
        Topic("student-mobility", (
            "The faculty would host two more exchange students next year.",
            "Raised visa delays for exchange students; we promised to check with the "
            "consular section.",
        )),
        Topic("academic-freedom", (
            "Worried about pressure on colleagues who speak publicly about the bilateral "
            "relationship.",
        )),
        Topic("migration", (
            "Shared early findings of a survey on the media habits of Russian-speaking "
            "immigrants.",
        )),
        Topic("conference", (
            "Invited us to speak on a panel at the autumn conference.",
            "Asked for help to bring a speaker from our capital to the annual conference.",
        )),
    ),
    "journalist": (
        Topic("media-freedom", (
            "Described growing pressure on the newsroom to avoid foreign sources.",
        )),
        Topic("interview-request", (
            "Asked for an interview with the ambassador; we will propose dates.",
            "Followed up on the interview request; the editor prefers a written Q&A.",
        )),
        Topic("regional-security", (
            "Compared notes on the regional security situation; shared our public line.",
        )),
        Topic("disinformation", (
            "Talked about fabricated stories circulating in Russian-language channels.",
            "Wants background on a viral video about our country; we sent the facts.",
        )),
        Topic("background-briefing", (
            "Background briefing on the visit programme; not for attribution.",
        )),
    ),
    "think_tank": (
        Topic("regional-security", (
            "Walked through their scenario paper on regional escalation.",
        )),
        Topic("energy", (
            "Discussed gas exports from the eastern Mediterranean and European demand.",
        )),
        Topic("sanctions", (
            "Asked how the latest sanctions package is being read in our capital.",
        )),
        Topic("policy-paper", (
            "Sent a draft policy paper for comment before publication.",
            "Presented their new paper on the bilateral relationship; asked for our view.",
        )),
        Topic("track-two-dialogue", (
            "Proposed a closed track-two round with experts from both countries.",
        )),
    ),
    "cultural": (
        Topic("co-production", (
            "Discussed a co-production with a theatre from our country.",
        )),
        Topic("festival", (
            "Looking for an artist from our country for the festival programme.",
            "Asked for support with travel costs for festival guests.",
        )),
        Topic("translation", (
            "Working on a Hebrew translation of a contemporary novel from our country.",
        )),
        Topic("exhibition", (
            "Planning an exhibition on twentieth-century immigration; asked for archive "
            "contacts.",
        )),
        Topic("touring", (
            "Wants to take the ensemble on tour to our country next season.",
        )),
    ),
    "civil_society": (
        Topic("civic-participation", (
            "Described their campaign for turnout among young voters.",
        )),
        Topic("coexistence", (
            "Reported on dialogue groups between neighbourhoods after the recent tensions.",
        )),
        Topic("human-rights", (
            "Raised concerns about a bill restricting foreign funding of NGOs.",
        )),
        Topic("grants", (
            "Asked about the small-grants call; we explained the criteria.",
        )),
        Topic("volunteers", (
            "Needs volunteers with Russian for a hotline; asked for community contacts.",
        )),
    ),
    "community": (
        Topic("integration", (
            "Talked about housing and job offers for recent immigrants.",
            "Recognition of foreign diplomas is still the first complaint they hear.",
        )),
        Topic("veterans", (
            "Preparing the May gathering with the veterans' club.",
        )),
        Topic("youth", (
            "Wants to bring a youth group to our country in the summer.",
        )),
        Topic("commemoration", (
            "Planning a commemoration evening; asked whether the mission will attend.",
        )),
        Topic("community-event", (
            "Invited us to the community's new year concert.",
        )),
    ),
    "technology": (
        Topic("cyber", (
            "Discussed cooperation on protecting water utilities from cyber attacks.",
        )),
        Topic("artificial-intelligence", (
            "Showed their work on medical imaging with machine learning.",
        )),
        Topic("start-ups", (
            "Interested in the start-up exchange; asked about visas for engineers.",
        )),
        Topic("women-in-tech", (
            "Proposed a mentoring breakfast for women engineers.",
        )),
        Topic("research-and-development", (
            "Looking for a research partner in our country for an EU consortium.",
        )),
    ),
    "religious": (
        Topic("interfaith-dialogue", (
            "Invited us to the interfaith study evening.",
        )),
        Topic("holy-sites", (
            "Described tensions around access to holy sites during the holidays.",
        )),
        Topic("commemoration", (
            "Planning a joint memorial prayer; asked for a speaker from the mission.",
        )),
    ),
    "other": (
        Topic("municipal-cooperation", (
            "Discussed a twin-city agreement and a visit by the deputy mayor.",
        )),
        Topic("general", (
            "General catch-up on the political mood.",
            "Exchanged views on the coalition's prospects.",
        )),
    ),
}  # fmt: skip

# How an exchange of each kind reads; {names} are the contacts, {place} the first one's city.
OPENERS_OF_KIND = {
    "meeting": (
        "Coffee with {names} in {place}.",
        "Lunch with {names} in {place}.",
        "Met {names} at their office in {place}.",
        "Working breakfast with {names}.",
    ),
    "call": ("Call with {names}.", "{names} called back after last week's message."),
    "message": ("Messages with {names}.", "Short exchange of messages with {names}."),
    "email": ("E-mail from {names}.", "Wrote to {names}; reply the same day."),
    "event": (
        "Spoke with {names} on the sidelines of a reception.",
        "Long conversation with {names} at a conference.",
    ),
    "letter": ("Letter of thanks to {names}.", "Formal letter from {names}."),
}

# A closing line per climate level: informal channels feel the official climate.
CLOSINGS_OF_LEVEL = {
    "normal": ("Agreed to meet again soon.", "Warm and relaxed.", "", ""),
    "elevated": (
        "Noticeably more careful than usual about the bilateral agenda.",
        "Asked how long the tension is likely to last.",
        "",
    ),
    "high": (
        "Preferred to keep the contact informal while official contacts are frozen.",
        "Asked that the meeting not be mentioned publicly.",
    ),
    "crisis": (
        "Asked for the meeting to stay off the record given the expulsions.",
        "Nervous about being seen with us; suggested a neutral place next time.",
        "Keen to keep talking precisely because the official line is closed.",
    ),
}

# (days before now, level, note): normal two years ago, a spike, and calm again.
CLIMATE_HISTORY = (
    (760, "normal", "Routine relations; working contacts at every level."),
    (430, "elevated", "Ambassadors recalled for consultations after the visa dispute."),
    (395, "high", "Official contacts frozen; hostile statements in parliament."),
    (362, "crisis", "Two diplomats expelled; media campaign against the mission."),
    (338, "high", "Partial de-escalation; working-level talks resumed quietly."),
    (290, "elevated", "Ambassadors back in post; the official agenda is still thin."),
    (110, "normal", "Relations normalised; the joint commission meets again."),
)


class EventIdea(NamedTuple):
    title: str
    layer: str
    start_hour: int
    hours: int


EVENT_IDEAS = {
    "cultural": (
        EventIdea("Evening of Russian-Hebrew poetry", "soft_cultural", 19, 3),
        EventIdea("Film night: new cinema from our country", "soft_cultural", 19, 3),
        EventIdea("Chamber concert of young soloists", "soft_cultural", 19, 2),
        EventIdea("Opening of the photography exhibition 'Two Shores'", "soft_cultural", 18, 3),
        EventIdea("Translators' evening", "soft_cultural", 18, 2),
        EventIdea("Jazz on the roof", "soft_cultural", 20, 3),
    ),
    "academic": (
        EventIdea("Round-table: migration and memory", "civil_epistemic", 10, 4),
        EventIdea("Workshop on water diplomacy", "civil_epistemic", 9, 7),
        EventIdea("Lecture: the history of our bilateral ties", "civil_epistemic", 17, 2),
        EventIdea("Alumni reunion of the exchange programme", "civil_epistemic", 18, 3),
        EventIdea("Doctoral seminar on Eurasian studies", "civil_epistemic", 10, 5),
        EventIdea("University presidents' breakfast", "civil_epistemic", 8, 2),
    ),
    "media": (
        EventIdea("Background briefing for foreign-desk editors", "narrative", 11, 2),
        EventIdea("Media forum: journalism under pressure", "narrative", 9, 8),
        EventIdea("Press breakfast on the visit programme", "narrative", 8, 2),
        EventIdea("Russian-language media round-table", "narrative", 11, 3),
        EventIdea("Fact-checking workshop", "narrative", 10, 5),
        EventIdea("Editors' dinner", "narrative", 19, 3),
    ),
    "dialogue": (
        EventIdea("Closed-door dialogue on regional security", "security", 9, 8),
        EventIdea("Track-two round: energy and the sea", "political", 9, 8),
        EventIdea("Young leaders' dialogue", "political", 10, 6),
        EventIdea("Dinner debate: what next for the relationship", "political", 19, 3),
        EventIdea("Expert dialogue on sanctions", "security", 10, 5),
        EventIdea("Civil-society dialogue across communities", "political", 10, 5),
    ),
    "commemoration": (
        EventIdea("Holocaust remembrance ceremony", "soft_cultural", 11, 2),
        EventIdea("Gathering with Second World War veterans", "soft_cultural", 11, 3),
        EventIdea("Memorial evening for fallen journalists", "narrative", 18, 2),
        EventIdea("Righteous Among the Nations ceremony", "soft_cultural", 11, 2),
        EventIdea("Wreath-laying at the immigration memorial", "soft_cultural", 10, 1),
        EventIdea("Remembrance concert", "soft_cultural", 19, 2),
    ),
    "technology": (
        EventIdea("Women in Tech breakfast", "civil_epistemic", 8, 2),
        EventIdea("Start-up exchange demo day", "civil_epistemic", 14, 5),
        EventIdea("Cyber resilience workshop for utilities", "security", 9, 7),
        EventIdea("AI in health care round-table", "civil_epistemic", 10, 3),
        EventIdea("Quantum sensing meet-up", "civil_epistemic", 17, 3),
        EventIdea("Agritech field visit", "civil_epistemic", 9, 6),
    ),
    "community": (
        EventIdea("Community leaders' reception", "soft_cultural", 18, 3),
        EventIdea("Evening of Russian romances", "soft_cultural", 19, 3),
        EventIdea("Neighbourhood councils' town hall", "political", 18, 2),
        EventIdea("Youth leaders' picnic", "soft_cultural", 12, 4),
        EventIdea("Volunteers' open day", "soft_cultural", 10, 6),
        EventIdea("Newcomers' information evening", "soft_cultural", 18, 2),
    ),
}

# Places for events held at the mission itself.
MISSION_VENUES = ("Ambassador's residence, Herzliya", "Mission, conference hall, Tel Aviv")


class ProgrammeIdea(NamedTuple):
    title: str
    layer: str
    partner_kinds: tuple[str, ...]
    participant_categories: tuple[str, ...]
    description: str
    outcome: str


PROGRAMME_IDEAS = {
    "student_exchange": (
        ProgrammeIdea("Semester exchange in Slavic studies", "civil_epistemic",
                      ("university",), ("academic",),
                      "Ten students each way for a semester.",
                      "Eighteen students completed the semester; two joint theses under way."),
        ProgrammeIdea("Summer school on migration", "civil_epistemic",
                      ("university", "research_institute"), ("academic", "civil_society"),
                      "Three-week summer school for graduate students.",
                      "Twenty-four participants; the summer school becomes annual."),
        ProgrammeIdea("Young journalists' exchange", "narrative", ("media_outlet", "university"),
                      ("journalist",), "Two-week newsroom placements.",
                      "Eight placements; three joint reports published."),
    ),
    "joint_research": (
        ProgrammeIdea("Shared water resources study", "civil_epistemic",
                      ("research_institute", "university"), ("academic", "technology"),
                      "Three-year study of desalination and shared aquifers.",
                      "Final report presented to both ministries."),
        ProgrammeIdea("Survey of Russian-language media audiences", "narrative",
                      ("research_institute", "media_outlet"), ("academic", "journalist"),
                      "Panel survey of media habits among Russian speakers.",
                      "Two waves published; data shared with partners."),
    ),
    "technology": (
        ProgrammeIdea("Cyber resilience for water utilities", "security",
                      ("company", "research_institute"), ("technology",),
                      "Joint exercises and a shared incident playbook.",
                      "Playbook adopted by four utilities."),
        ProgrammeIdea("Women in Tech mentoring", "civil_epistemic", ("company", "ngo"),
                      ("technology", "academic"), "A year of mentoring for women engineers.",
                      "Twenty mentoring pairs; half continue on their own."),
    ),
    "cultural_coproduction": (
        ProgrammeIdea("Two Shores: a bilingual theatre co-production", "soft_cultural",
                      ("cultural_institution",), ("cultural",),
                      "A play staged in Hebrew and Russian in both countries.",
                      "Sixteen performances; a second season is planned."),
        ProgrammeIdea("Anthology of contemporary poetry in translation", "soft_cultural",
                      ("cultural_institution", "university"), ("cultural", "academic"),
                      "Translation workshop and a printed anthology.",
                      "Anthology printed; launch events in three cities."),
    ),
    "delegation": (
        ProgrammeIdea("Community leaders' study visit", "political",
                      ("community_organization", "government_body"), ("community",),
                      "A week-long visit to our capital for municipal and community leaders.",
                      "Twelve participants; two twin-city initiatives followed."),
        ProgrammeIdea("Think-tank delegation on European security", "security",
                      ("think_tank",), ("think_tank",),
                      "Experts' visit to our foreign ministry and parliament.",
                      "Joint paper published after the visit."),
    ),
    "media_forum": (
        ProgrammeIdea("Annual media forum", "narrative", ("media_outlet", "ngo"),
                      ("journalist",), "Annual forum of editors from both countries.",
                      "Sixty participants; a code of practice on sources."),
        ProgrammeIdea("Fact-checkers' network", "narrative", ("media_outlet", "ngo"),
                      ("journalist", "civil_society"),
                      "A network of fact-checkers working in Hebrew and Russian.",
                      "Network launched with nine outlets."),
    ),
}  # fmt: skip
