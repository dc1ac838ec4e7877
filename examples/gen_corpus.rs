//! Writes a deterministic, realistic cairn site for benchmarks and tests.
//!
//! ```text
//! cargo run --release --example gen_corpus -- --sessions N --members M --seed S --out DIR [--force]
//! ```
//!
//! Same arguments, same bytes: every random choice comes from a splitmix64
//! stream derived from `--seed` (and, for a note, from its index), never
//! from the clock or from hash-map order. Every wikilink, relative link,
//! person, community and action owner it writes exists, so a build of the
//! result has no errors and no warnings.

use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use chrono_tz::America::Toronto;
use rayon::prelude::*;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::exit;

// ---------------------------------------------------------------- random

/// splitmix64: tiny, fast, good enough, and the same everywhere.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    /// An independent stream for (`seed`, `stream`, `index`).
    fn derive(seed: u64, stream: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        r.0 ^= r.next_u64() ^ index.wrapping_mul(0xE703_7ED1_A0B4_28DB);
        r.next_u64();
        r
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn word(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len())]
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    /// `k` distinct indices out of `0..n`, in drawing order.
    fn distinct(&mut self, n: usize, k: usize) -> Vec<usize> {
        let k = k.min(n);
        let mut out: Vec<usize> = Vec::with_capacity(k);
        while out.len() < k {
            let i = self.below(n);
            if !out.contains(&i) {
                out.push(i);
            }
        }
        out
    }
}

// ------------------------------------------------------------ vocabulary

#[rustfmt::skip]
const FIRST: &[&str] = &[
    "Dana", "Inès", "Zoë", "José", "François", "Björn", "Amara", "Priya", "Karim", "Ruth",
    "Siobhán", "Lena", "Mei-Ling", "Tomás", "Gabriel", "Marcus", "Layla", "Yuki", "Noor", "Chloé",
    "Mateo", "Aiyana", "Olumide", "Hana", "Rafael", "Ingrid", "Sébastien", "Aroha", "Nikolai",
    "Fatima", "Jonas", "Maëlle", "Diego", "Anika", "Kwame", "Sofía", "Emeka", "Léa", "Oskar",
    "Thandiwe", "Rosa", "Mihai", "Leilani", "Hamid", "Agnieszka", "Paulo", "Camille", "Tariq",
    "Eleni", "Joaquín", "Astrid", "Kofi", "Renée", "Andrés", "Nadia", "Henrik", "Aoife", "Ravi",
    "Beatriz", "Jürgen", "Imani", "Łukasz", "Marisol", "Dmitri", "Saanvi", "Teodora", "Emil",
    "Nomvula", "Cyrus", "Greta", "Ángel", "Min-jun", "Zainab", "Pedro", "Ilse", "Tevita",
    "Margarida", "Yusuf", "Ophélie", "Wanjiru", "Stefan", "Paloma", "Hyun-woo", "Dagny", "Khadija",
    "Ruairí", "Élodie", "Bongani", "Catalina", "Niamh", "Farid", "Solveig", "Adaeze", "Nuno",
    "Marta", "Eli", "Sam", "Jordan", "Alex", "Robin", "Morgan",
];

#[rustfmt::skip]
const LAST: &[&str] = &[
    "Kim", "Ferrand", "Okafor", "Raman", "Haddad", "Abernathy", "Byrne", "Vogel", "Zhou",
    "Álvarez", "Mensah", "Bell", "Mansour", "Tanaka", "Nguyen", "Lefèvre", "Müller", "García",
    "Silva", "Rossi", "Kowalski", "Andersson", "O'Brien", "Patel", "Mahlangu", "Novak", "Dubois",
    "Schäfer", "Fernández", "Costa", "Bianchi", "Nowak", "Johansson", "Murphy", "Singh", "Dlamini",
    "Horvat", "Moreau", "Brandt", "López", "Pereira", "Romano", "Wiśniewski", "Lindqvist", "Kelly",
    "Sharma", "Ndlovu", "Kovač", "Girard", "Krüger", "Martínez", "Carvalho", "Esposito",
    "Lewandowski", "Nilsson", "Walsh", "Iyer", "Zulu", "Petrović", "Fontaine", "Hoffmann",
    "Sánchez", "Gonçalves", "Ricci", "Zieliński", "Berg", "Doyle", "Menon", "Khumalo", "Babić",
    "Chevalier", "Weiß", "Ramírez", "Almeida", "Marino", "Szymański", "Holm", "Quinn", "Reddy",
    "Nkosi", "Jurić", "Rousseau", "Becker", "Torres", "Ribeiro", "Greco", "Dąbrowski", "Dahl",
    "Ó Súilleabháin", "Rao", "Banda", "Kralj", "Mercier", "Fischer", "Flores", "Sousa", "Conti",
    "Kaminski", "Sandberg", "Farrell",
];

#[rustfmt::skip]
const INITIALS: &[&str] = &[
    "A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "T", "V", "W",
];

const ROLES: &[&str] = &[
    "Collaboration manager",
    "Programme coordinator",
    "Executive director",
    "Communications officer",
    "Volunteer coordinator",
    "Accidental tech person",
    "E-learning designer",
    "Network facilitator",
    "Partnership lead",
    "Community organizer",
    "Development officer",
    "Operations manager",
    "Learning and evaluation lead",
    "Web and data coordinator",
    "Youth worker",
    "Outreach worker",
    "Board member",
    "Librarian",
    "Trainer and facilitator",
    "Policy analyst",
    "Project manager, digital inclusion",
    "Settlement counsellor",
    "Membership coordinator",
    "Researcher",
    "Freelance consultant",
];

#[rustfmt::skip]
const ORG_PLACES: &[&str] = &[
    "Riverside", "Northside", "Eastend", "Harbourfront", "Maple Grove", "Westview", "Lakeshore",
    "Parkdale", "Hillcrest", "Old Town", "Millbrook", "Cedar Valley", "Bayside", "Kingsway",
    "Côte-des-Neiges", "Saint-Roch", "Little Portugal", "Greenwood",
];

const ORG_KINDS: &[&str] = &[
    "Commons",
    "Food Bank",
    "Community Centre",
    "Literacy Network",
    "Newcomer Services",
    "Arts Collective",
    "Housing Co-op",
    "Public Library",
    "Youth Hub",
    "Health Coalition",
    "Tenants' Association",
    "Learning Centre",
];

const COMMUNITY_THEMES: &[&str] = &[
    "Technology",
    "Collaboration",
    "E-learning",
    "Facilitation",
    "Evaluation",
    "Communications",
    "Volunteer Coordination",
    "Fundraising",
    "Data",
    "Accessibility",
    "Youth Work",
    "Governance",
    "Newcomer Support",
    "Housing Advocacy",
    "Food Security",
    "Arts Education",
    "Digital Skills",
    "Library",
    "Health Promotion",
    "Climate Action",
    "Mentoring",
    "Translation",
    "Outreach",
    "Partnership",
    "Learning Design",
    "Community Radio",
    "Open Data",
    "Research",
    "Policy",
    "Finance",
];

const COMMUNITY_KINDS: &[&str] = &[
    "Practitioners",
    "Circle",
    "Network",
    "Committee",
    "Peer Group",
    "Guild",
    "Collective",
];

const MEETS: &[&str] = &[
    "Second Tuesday of the month, 6:30 pm, at Riverside Commons and online",
    "Every other Thursday at noon, online",
    "First Monday of the month, 7 pm",
    "Quarterly, on a Saturday morning",
    "Every six weeks, alternating between the library and a video call",
    "Monthly over lunch at the Café du Coin",
    "When someone calls a meeting, usually twice a season",
];

#[rustfmt::skip]
const TAGS: &[&str] = &[
    "facilitation", "partnerships", "budgets for learning", "mailing lists", "websites",
    "e-learning", "leadership", "belonging", "onboarding", "evaluation", "grant reporting",
    "power dynamics", "conflict", "accessibility", "volunteer management", "governance",
    "coalition governance", "knowledge sharing", "mentoring", "peer learning", "storytelling",
    "social media", "newsletters", "data protection", "privacy", "hosting", "content strategy",
    "video tutorials", "course design", "community building", "programme design", "fundraising",
    "strategic planning", "burnout", "self-care", "hybrid meetings", "translation",
    "plain language", "documentation", "open source", "donor databases", "shared drives",
    "backups", "security", "passwords", "inclusion", "anti-racism", "youth engagement", "outreach",
    "membership", "decision making", "consensus", "retrospectives", "handover",
    "succession planning", "impact measurement", "surveys", "online events", "moderation",
    "codes of conduct", "professional development", "tools",
];

const TITLE_PATTERNS: &[&str] = &[
    "{T} clinic",
    "Peer circle: {t}",
    "What we learned about {t}",
    "{T} on a shoestring",
    "Show and tell: {t}",
    "{T}, one year on",
    "Open space on {t}",
    "{T} for small teams",
    "Lunch and learn: {t}",
    "Getting unstuck with {t}",
    "{T} and {t2}",
    "Case clinic: {t} in practice",
    "Where {t} meets {t2}",
    "{T} without a budget",
    "Café conversation on {t}",
    "Stories of {t}",
    "Planning call: {t}",
    "{T} deep dive",
    "Skill swap: {t} and {t2}",
    "Why {t} keeps coming back",
    "{T} retrospective",
    "A naïve question about {t}",
    "Welcoming newcomers to {t}",
    "When the {t} person leaves",
];

const HEADINGS: &[&str] = &[
    "Why we met",
    "Who was in the room",
    "Round of introductions",
    "What we did",
    "What we heard",
    "What we discussed",
    "Small-group work",
    "Stories from the field",
    "What surprised us",
    "Tools people mentioned",
    "Open questions",
    "Tensions we named",
    "What worked",
    "What did not work",
    "Ideas to try",
    "Resources",
    "Reflections",
    "Where this leaves us",
    "What happens next",
    "Feedback on the format",
];

const SUBHEADINGS: &[&str] = &[
    "First group",
    "Second group",
    "In the big room",
    "Online participants",
    "A worked example",
    "Budget",
    "Timeline",
    "Roles",
    "Risks",
    "Quick wins",
    "Longer term",
    "Follow-ups",
];

const NOUNS: &[&str] = &[
    "the shared inbox",
    "the mailing list",
    "the website",
    "the donor database",
    "the shared drive",
    "the volunteer roster",
    "the partnership agreement",
    "the training budget",
    "the onboarding checklist",
    "the steering committee",
    "the annual report",
    "the grant application",
    "the course platform",
    "the newsletter",
    "the code of conduct",
    "the meeting agenda",
    "the evaluation framework",
    "the handover document",
    "the announcement list",
    "the community calendar",
    "the coalition's terms of reference",
    "the learning budget",
    "the facilitation guide",
    "the membership form",
];

const VERBS: &[&str] = &[
    "rewrite",
    "simplify",
    "document",
    "hand over",
    "share",
    "review",
    "test",
    "translate",
    "archive",
    "clean up",
    "budget for",
    "present",
    "draft",
    "map",
    "pilot",
];

const ADJS: &[&str] = &[
    "messy",
    "fragile",
    "surprisingly useful",
    "overdue",
    "underfunded",
    "quietly essential",
    "contested",
    "half-finished",
    "well loved",
    "invisible",
    "shared",
    "volunteer-run",
];

const ACCENTED: &[&str] = &[
    "café",
    "naïve",
    "résumé",
    "façade",
    "déjà vu",
    "tête-à-tête",
    "piñata",
    "jalapeño",
    "crème brûlée",
    "smörgåsbord",
    "soupçon",
    "entrée",
    "naïveté",
    "fiancée",
    "rôle",
];

const PLACES: &[&str] = &[
    "São Paulo",
    "Montréal",
    "Zürich",
    "Kraków",
    "Reykjavík",
    "Düsseldorf",
    "Málaga",
    "Córdoba",
    "Besançon",
    "Orléans",
    "Gävle",
    "Łódź",
    "Trois-Rivières",
    "Québec",
];

const LOCATIONS: &[&str] = &[
    "Riverside Commons, Room 3B",
    "Riverside Commons, main hall",
    "Online (video call)",
    "Northside Public Library, meeting room 2",
    "Café du Coin, back room",
    "Hybrid: Room 3B and online",
    "Eastend Community Centre",
    "Maison de la Culture Côte-des-Neiges",
];

const SENTENCES: &[&str] = &[
    "We started with a round on {t}, and it took longer than planned because everyone had a story.",
    "{P} described how {n} became {a} after the last funding cycle.",
    "Several people said that {t} is the part of their job nobody sees until it breaks.",
    "The question that kept coming back was who decides, and who is consulted, when {n} changes.",
    "{P} suggested that we {v} {n} before the end of the quarter.",
    "Nobody in the room had a job description that mentions {t}, yet all of us spend hours on it.",
    "A small organization cannot buy its way out of this; it has to learn its way out.",
    "{P} admitted that the first attempt was a bit {x}, and that the second one went better.",
    "We compared notes on {t} and {t2}, which turned out to be the same conversation.",
    "The group agreed that {n} should have two owners, not one.",
    "{P} and {P2} offered to pair up on {t} over the next month.",
    "It helped to name the power in the room before talking about {t}.",
    "Half the people present had inherited {n} from someone who left without a handover.",
    "We spent twenty minutes on what a good enough version of {n} looks like.",
    "The conversation moved from tools to trust, as it usually does.",
    "{P} brought a printed copy of {n}, covered in notes, which everyone wanted to photograph.",
    "Budgets for learning are small, so we looked for ways to share the cost across partners.",
    "Someone asked whether {t} is a skill, a role or a responsibility; we did not settle it.",
    "The people who joined online found it easier to write their answers in the chat.",
    "{P} reminded us that belonging comes before participation, not after it.",
    "A volunteer from {c} explained how they run {t} with no paid staff at all.",
    "We tried a fishbowl format, which worked well for {t} and less well for {t2}.",
    "The discussion felt a little like déjà vu, in a good way: the same issues, better answers.",
    "There was a short, lively debate about whether {n} should be public.",
    "{P} said the hardest part of {t} is saying no to good ideas.",
    "Three people had tried to {v} {n} on their own and had given up for lack of time.",
    "We agreed to keep the notes short and honest rather than polished.",
    "Most of the room had found this community by word of mouth, over a coffee at the café.",
    "A partner in {c} shared a template that they use for {t}.",
    "The second half of the evening was a clinic: people brought problems and the room answered.",
    "{P} pointed out that our assumptions about {t} were a bit naïve.",
    "Nobody wanted another platform; we wanted fewer, better-kept ones.",
    "The group wrote down what it would stop doing, which was harder than listing what to start.",
    "Leadership, someone said, is mostly remembering to send the follow-up email.",
    "{P} explained how their team learned to {v} {n} in an afternoon.",
    "The e-learning committee offered to record a short video on {t}.",
    "It turned out that the {x} part of {n} was the part people cared about most.",
    "We left with more questions than answers, which is usually a good sign.",
    "The room was split on {t}: half wanted rules, half wanted examples.",
    "Several members asked for a follow-up session focused only on {t2}.",
];

const OTHER_LANGUAGES: &[(&str, &str)] = &[
    (
        "French",
        "Nous avons appris que la confiance se construit lentement, une réunion après l'autre.",
    ),
    (
        "French",
        "Chacun apporte son expérience, et personne n'a toutes les réponses.",
    ),
    (
        "German",
        "Gemeinsam lernen heißt auch, Fehler offen anzusprechen.",
    ),
    (
        "German",
        "Die Arbeit im Netzwerk braucht Zeit, Geduld und eine gute Moderation.",
    ),
    (
        "Spanish",
        "Aprendimos que la confianza se construye poco a poco, reunión tras reunión.",
    ),
    (
        "Spanish",
        "Nadie tiene todas las respuestas, pero juntos sabemos mucho más.",
    ),
    (
        "Portuguese",
        "Aprendemos que a confiança se constrói devagar, encontro após encontro.",
    ),
    (
        "Portuguese",
        "Ninguém tem todas as respostas, mas juntos sabemos muito mais.",
    ),
    (
        "Italian",
        "Abbiamo imparato che la fiducia si costruisce lentamente, un incontro dopo l'altro.",
    ),
    (
        "Italian",
        "Nessuno ha tutte le risposte, ma insieme sappiamo molto di più.",
    ),
    (
        "Dutch",
        "We hebben geleerd dat vertrouwen langzaam groeit, bijeenkomst na bijeenkomst.",
    ),
    (
        "Polish",
        "Nauczyliśmy się, że zaufanie buduje się powoli, spotkanie po spotkaniu.",
    ),
    (
        "Swedish",
        "Vi lärde oss att förtroende byggs långsamt, möte för möte.",
    ),
];

const ARABIC: &[&str] = &[
    "اجتمع أعضاء المجتمع لمناقشة سبل التعاون بين المنظمات الشريكة.",
    "تبادل المشاركون خبراتهم في تيسير الاجتماعات وبناء الثقة داخل الفريق.",
    "إن التعلم من الأقران هو أساس مجتمعات الممارسة.",
    "ناقشنا كذلك ميزانية التدريب وكيفية توزيعها بشكل عادل.",
    "واتفقنا على أن نلتقي مرة أخرى في الشهر القادم لمتابعة ما تعلمناه.",
    "شكرًا لكل من ساهم في إعداد هذه الملاحظات.",
];

const QUOTES: &[&str] = &[
    "Nobody hired me to be the tech person. I just did not say no fast enough.",
    "A partnership is a set of promises, and somebody has to keep track of them.",
    "If the notes are not written the same evening, they are not written.",
    "We do not need a new tool. We need the old one to have an owner.",
    "Belonging is when people come back without being asked.",
    "The budget for learning is the first thing cut and the last thing missed.",
    "Facilitation is mostly deciding what not to talk about tonight.",
    "Every mailing list is a garden; if nobody weeds it, it goes wild.",
];

const ACTION_TEXTS: &[&str] = &[
    "draft the partner survey",
    "book the room for the next gathering",
    "type up the flip charts",
    "share the template with the list",
    "ask the board about the learning budget",
    "write the handover checklist",
    "test the new mailing list settings",
    "update the community calendar",
    "collect examples of codes of conduct",
    "record a short video tutorial",
    "send the follow-up email",
    "invite two newcomers to co-facilitate",
    "compare hosting quotes",
    "translate the welcome page",
];

const CODE_BLOCKS: &[&str] = &[
    "```yaml\nlist: announcements@example.org\nmoderation: first-post\ndigest: weekly\nreply_to: sender\n```\n",
    "```sh\nrsync -av --delete public/ backup@example.org:/srv/site/\n```\n",
    "```csv\nmonth,sessions,attendees,newcomers\n2025-09,2,31,6\n2025-10,1,18,2\n2025-11,2,27,5\n```\n",
    "```text\nSubject: Notes from tonight\n\nHi all, the notes are on the site. Add what we missed.\n```\n",
    "```python\nimport csv\nwith open(\"attendance.csv\") as f:\n    print(sum(1 for _ in csv.reader(f)) - 1)\n```\n",
    "```markdown\n## Agenda\n\n1. Check-in (10 min)\n2. Case clinic (45 min)\n3. Next steps (5 min)\n```\n",
];

// ------------------------------------------------------------ text utils

/// Drops accents from the letters used in the word lists.
fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let r = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' => "a",
            'Á' | 'À' | 'Â' | 'Ä' | 'Å' => "A",
            'ç' | 'ć' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'ę' => "e",
            'É' | 'È' => "E",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ł' => "l",
            'Ł' => "L",
            'ñ' | 'ń' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
            'Ó' | 'Ö' => "O",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'ś' | 'š' => "s",
            'ß' => "ss",
            'ž' | 'ż' | 'ź' => "z",
            'č' => "c",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(r);
    }
    out
}

/// ASCII slug: folded, lowercased, runs of other characters become `-`.
fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in fold(s).chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A YAML scalar: plain when that is safe, else double-quoted.
fn yq(s: &str) -> String {
    let special = s.is_empty()
        || s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@` ".contains(c) || c.is_ascii_digit())
        || s.ends_with(' ')
        || s.contains(": ")
        || s.contains(" #")
        || s.contains([',', '[', ']', '{', '}', '"'])
        || s.ends_with(':')
        || matches!(
            s.to_ascii_lowercase().as_str(),
            "yes" | "no" | "true" | "false" | "null" | "on" | "off" | "~"
        );
    if special {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        s.to_string()
    }
}

fn words(s: &str) -> usize {
    s.split_whitespace().count()
}

// ----------------------------------------------------------------- model

struct Member {
    slug: String,
    name: String,
    aka: Option<String>,
    private: bool,
    communities: Vec<usize>,
}

struct Community {
    slug: String,
    name: String,
    members: Vec<usize>,
}

struct Session {
    date: NaiveDate,
    /// Local wall-clock time (hour, minute), or a whole-day note.
    time: Option<(u32, u32)>,
    title: String,
    slug: String,
    community: usize,
}

impl Session {
    fn year(&self) -> i32 {
        self.date.year()
    }
}

struct Site {
    seed: u64,
    members: Vec<Member>,
    /// Members who may lead a community or be linked prominently.
    public: Vec<usize>,
    communities: Vec<Community>,
    sessions: Vec<Session>,
}

fn make_members(seed: u64, count: usize) -> Vec<Member> {
    let mut rng = Rng::derive(seed, 1, 0);
    let mut keys: HashSet<String> = HashSet::new(); // lowercased names and akas
    let mut slugs: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(count);
    let capacity = FIRST.len() * LAST.len() * (INITIALS.len() + 1);
    assert!(
        count <= capacity / 2,
        "at most {} members are supported",
        capacity / 2
    );
    while out.len() < count {
        let first = rng.word(FIRST);
        let last = rng.word(LAST);
        let name = if rng.chance(80) {
            format!("{first} {last}")
        } else {
            format!("{first} {}. {last}", rng.pick(INITIALS))
        };
        let s = slug(&name);
        let k = name.to_lowercase();
        if keys.contains(&k) || slugs.contains(&s) {
            continue;
        }
        let aka = if rng.chance(25) {
            let initial: String = last.chars().take(1).collect();
            let a = format!("{first} {initial}.");
            let ak = a.to_lowercase();
            if keys.contains(&ak) || ak == k {
                None
            } else {
                Some(a)
            }
        } else {
            None
        };
        keys.insert(k);
        if let Some(a) = &aka {
            keys.insert(a.to_lowercase());
        }
        slugs.insert(s.clone());
        out.push(Member {
            slug: s,
            name,
            aka,
            private: rng.chance(3),
            communities: vec![],
        });
    }
    out
}

fn make_communities(seed: u64, count: usize) -> Vec<Community> {
    let mut rng = Rng::derive(seed, 2, 0);
    let mut combos: Vec<(usize, usize)> = (0..COMMUNITY_THEMES.len())
        .flat_map(|t| (0..COMMUNITY_KINDS.len()).map(move |k| (t, k)))
        .collect();
    // Fisher-Yates, so the first communities are varied.
    for i in (1..combos.len()).rev() {
        let j = rng.below(i + 1);
        combos.swap(i, j);
    }
    (0..count)
        .map(|i| {
            let (t, k) = combos[i % combos.len()];
            let round = i / combos.len();
            let mut name = format!("{} {}", COMMUNITY_THEMES[t], COMMUNITY_KINDS[k]);
            if round > 0 {
                write!(name, " {}", round + 1).unwrap();
            }
            Community {
                slug: slug(&name),
                name,
                members: vec![],
            }
        })
        .collect()
}

fn title_for(rng: &mut Rng) -> String {
    let t = rng.word(TAGS);
    let mut t2 = rng.word(TAGS);
    while t2 == t {
        t2 = rng.word(TAGS);
    }
    rng.pick(TITLE_PATTERNS)
        .replace("{T}", &capitalize(t))
        .replace("{t2}", t2)
        .replace("{t}", t)
}

fn make_sessions(seed: u64, count: usize, communities: usize) -> Vec<Session> {
    let mut rng = Rng::derive(seed, 3, 0);
    let start = NaiveDate::from_ymd_opt(2014, 1, 1).unwrap();
    let end = NaiveDate::from_ymd_opt(2027, 6, 30).unwrap();
    let days = (end - start).num_days() as usize;
    const TIMES: &[(u32, u32)] = &[
        (18, 30),
        (19, 0),
        (12, 0),
        (9, 30),
        (14, 0),
        (17, 30),
        (10, 0),
    ];
    let mut sessions: Vec<Session> = (0..count)
        .map(|_| {
            let date = start + Duration::days(rng.below(days + 1) as i64);
            let time = rng.chance(70).then(|| *rng.pick(TIMES));
            Session {
                date,
                time,
                title: title_for(&mut rng),
                slug: String::new(),
                community: rng.below(communities),
            }
        })
        .collect();
    sessions.sort_by(|a, b| {
        (a.date, a.time, &a.title, a.community).cmp(&(b.date, b.time, &b.title, b.community))
    });
    let mut seen: HashSet<String> = HashSet::with_capacity(count);
    for s in &mut sessions {
        let base = format!("{}-{}", s.date.format("%Y-%m-%d"), slug(&s.title));
        let mut candidate = base.clone();
        let mut n = 2;
        while seen.contains(&candidate) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        seen.insert(candidate.clone());
        s.slug = candidate;
    }
    sessions
}

impl Site {
    fn new(seed: u64, sessions: usize, members: usize) -> Site {
        let mut members = make_members(seed, members);
        let mut communities = make_communities(seed, (sessions / 500).max(3));
        let mut rng = Rng::derive(seed, 4, 0);
        for (i, m) in members.iter_mut().enumerate() {
            let k = rng.range(1, 3.min(communities.len()));
            m.communities = rng.distinct(communities.len(), k);
            m.communities.sort_unstable();
            for &c in &m.communities {
                communities[c].members.push(i);
            }
        }
        let public = (0..members.len())
            .filter(|&i| !members[i].private)
            .collect();
        let sessions = make_sessions(seed, sessions, communities.len());
        Site {
            seed,
            members,
            public,
            communities,
            sessions,
        }
    }

    /// A person as written in front matter: slug or display name.
    fn person_ref(&self, rng: &mut Rng, m: usize) -> String {
        let m = &self.members[m];
        match (rng.below(10), &m.aka) {
            (0..=5, _) => m.slug.clone(),
            (6, Some(aka)) => aka.clone(),
            _ => m.name.clone(),
        }
    }

    /// A person in prose: a wikilink by slug or by name, or plain text.
    fn person_mention(&self, rng: &mut Rng, m: usize) -> String {
        let mem = &self.members[m];
        match rng.below(10) {
            0..=3 => format!("[[{}]]", mem.slug),
            4..=6 => format!("[[{}]]", mem.name),
            7 => format!("[[{}|{}]]", mem.slug, mem.name.split(' ').next().unwrap()),
            _ => mem.name.clone(),
        }
    }
}

// ------------------------------------------------------------- sessions

/// `2026-03-06T18:30:00-05:00` for a Toronto wall-clock time.
fn local_stamp(date: NaiveDate, h: u32, m: u32) -> String {
    let naive = date.and_hms_opt(h, m, 0).unwrap();
    let dt = Toronto
        .from_local_datetime(&naive)
        .earliest()
        .expect("sessions never fall in a DST gap");
    dt.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

fn relative_link(from: &Session, to: &Session) -> String {
    if from.year() == to.year() {
        format!("{}.md", to.slug)
    } else {
        format!("../{}/{}.md", to.year(), to.slug)
    }
}

struct NoteWriter<'a> {
    site: &'a Site,
    rng: Rng,
    index: usize,
    /// People present: facilitators then attendees.
    people: Vec<usize>,
    tags: Vec<&'static str>,
    /// Sentence templates used in the current paragraph or list.
    recent: Vec<usize>,
    /// Column to wrap prose at; 0 for notes written without wrapping.
    width: usize,
    out: String,
    words: usize,
}

impl NoteWriter<'_> {
    fn someone(&mut self) -> usize {
        if self.rng.chance(85) {
            *self.rng.pick(&self.people)
        } else {
            self.rng.below(self.site.members.len())
        }
    }

    fn sentence(&mut self) -> String {
        // No template twice in one paragraph or list.
        let mut t = self.rng.below(SENTENCES.len());
        while self.recent.contains(&t) {
            t = self.rng.below(SENTENCES.len());
        }
        self.recent.push(t);
        let template = SENTENCES[t];
        let mut s = String::with_capacity(template.len() + 40);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            s.push_str(&rest[..open]);
            let close = open + rest[open..].find('}').unwrap();
            let key = &rest[open + 1..close];
            match key {
                "t" => s.push_str(self.rng.word(&self.tags)),
                "t2" => s.push_str(self.rng.word(TAGS)),
                "n" => s.push_str(self.rng.word(NOUNS)),
                "v" => s.push_str(self.rng.word(VERBS)),
                "a" | "x" => s.push_str(self.rng.word(ADJS)),
                "c" => s.push_str(self.rng.word(PLACES)),
                "P" | "P2" => {
                    let p = self.someone();
                    let mention = self.site.person_mention(&mut self.rng, p);
                    s.push_str(&mention);
                }
                _ => unreachable!("template key {key}"),
            }
            rest = &rest[close + 1..];
        }
        s.push_str(rest);
        // Now and then an accented word, as people write them.
        if self.rng.chance(8) {
            let w = self.rng.word(ACCENTED);
            s.push_str(&format!(" (Someone said \"{w}\" and the word stuck.)"));
        }
        s
    }

    fn push(&mut self, text: &str) {
        self.words += words(text);
        self.out.push_str(text);
    }

    fn paragraph(&mut self) {
        self.recent.clear();
        let n = self.rng.range(3, 6);
        let mut p = String::new();
        for i in 0..n {
            if i > 0 {
                p.push(' ');
            }
            p.push_str(&self.sentence());
        }
        let mut out = self.wrap(&p, "", "");
        out.push('\n');
        self.push(&out);
    }

    /// Hard-wraps `text` as most notes are written (or not, in the notes
    /// whose authors never wrap), with `first` and `rest` as line prefixes.
    fn wrap(&self, text: &str, first: &str, rest: &str) -> String {
        let mut out = String::with_capacity(text.len() + 16);
        out.push_str(first);
        if self.width == 0 {
            out.push_str(text);
            out.push('\n');
            return out;
        }
        let mut line_len = first.chars().count();
        // Break only between words, never inside `[...]` or a link's
        // `(...)`, and never before a word that could start a list item,
        // heading or quote.
        let mut depth = 0i32;
        let mut in_dest = false;
        let mut prev = ' ';
        let bytes = text.char_indices().collect::<Vec<_>>();
        let mut i = 0;
        while i < bytes.len() {
            let (at, c) = bytes[i];
            if c == ' ' && depth == 0 && !in_dest {
                // Length of the next word.
                let next = &text[at + 1..];
                let starts_ok = next.starts_with(|ch: char| ch.is_alphabetic() || ch == '[');
                let word_len = next
                    .split(' ')
                    .next()
                    .map(|w| w.chars().count())
                    .unwrap_or(0);
                if starts_ok && line_len + 1 + word_len > self.width && line_len > rest.len() {
                    out.push('\n');
                    out.push_str(rest);
                    line_len = rest.chars().count();
                    prev = c;
                    i += 1;
                    continue;
                }
            }
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                '(' if prev == ']' => in_dest = true,
                ')' if in_dest => in_dest = false,
                _ => {}
            }
            out.push(c);
            line_len += 1;
            prev = c;
            i += 1;
        }
        out.push('\n');
        out
    }

    fn list(&mut self) {
        let ordered = self.rng.chance(30);
        let n = self.rng.range(3, 6);
        let lead = self.rng.word(&[
            "A few points from the discussion:",
            "What people said, roughly in order:",
            "Some of what came up:",
            "Ideas from the room:",
            "In short:",
        ]);
        let mut l = format!("{lead}\n\n");
        self.recent.clear();
        for i in 0..n {
            let item = self.sentence();
            if ordered {
                l.push_str(&self.wrap(&item, &format!("{}. ", i + 1), "   "));
            } else {
                l.push_str(&self.wrap(&item, "- ", "  "));
            }
        }
        l.push('\n');
        self.push(&l);
    }

    fn blockquote(&mut self) {
        let q = self.rng.word(QUOTES);
        let p = self.someone();
        let who = self.site.person_mention(&mut self.rng, p);
        self.push(&format!("> {q}\n>\n> — {who}\n\n"));
    }

    fn table(&mut self) {
        let mut t = String::from("| Idea | Who | Effort | Notes |\n|---|---|---|---|\n");
        for _ in 0..self.rng.range(3, 6) {
            let idea = format!(
                "{} {}",
                capitalize(self.rng.word(VERBS)),
                self.rng.pick(NOUNS)
            );
            let p = self.someone();
            let who = self.site.person_mention(&mut self.rng, p);
            let effort = self.rng.word(&["low", "medium", "high", "a weekend"]);
            let note = format!("linked to {}", self.rng.pick(&self.tags));
            writeln!(t, "| {idea} | {who} | {effort} | {note} |").unwrap();
        }
        t.push('\n');
        self.push(&t);
    }

    fn code(&mut self) {
        let intro = "Here is the snippet that was passed around, for reference:\n\n";
        let block = self.rng.word(CODE_BLOCKS);
        self.push(intro);
        self.push(block);
        self.push("\n");
    }

    fn foreign(&mut self) {
        let (lang, text) = *self.rng.pick(OTHER_LANGUAGES);
        let p = self.someone();
        let who = self.site.person_mention(&mut self.rng, p);
        let p = format!(
            "{who} summed it up in {lang}: *{text}* The room asked for a translation, and then agreed."
        );
        let mut out = self.wrap(&p, "", "");
        out.push('\n');
        self.push(&out);
    }

    fn arabic(&mut self) {
        let k = self.rng.range(3, 4);
        let mut sorted = self.rng.distinct(ARABIC.len(), k);
        sorted.sort_unstable();
        let para: Vec<&str> = sorted.iter().map(|&i| ARABIC[i]).collect();
        self.push("Part of the discussion was held in Arabic; here is the summary as written:\n\n");
        self.push(&para.join(" "));
        self.push("\n\n");
    }

    /// Links to earlier notes: relative `.md` links and wikilinks.
    fn earlier_links(&mut self) {
        if self.index == 0 {
            self.paragraph();
            return;
        }
        let site = self.site;
        let me = &site.sessions[self.index];
        let n = self.rng.range(1, 3);
        let mut p = String::new();
        for k in 0..n {
            // Mostly recent notes, sometimes any earlier one.
            let j = if self.rng.chance(70) {
                self.index - 1 - self.rng.below(self.index.min(40))
            } else {
                self.rng.below(self.index)
            };
            let other = &site.sessions[j];
            if k > 0 {
                p.push(' ');
            }
            match self.rng.below(4) {
                0 => write!(
                    p,
                    "This picks up the thread of [{}]({}).",
                    other.title.to_lowercase(),
                    relative_link(me, other)
                ),
                1 => write!(
                    p,
                    "See [the notes from {}]({}) for the background.",
                    other.date.format("%B %-d, %Y"),
                    relative_link(me, other)
                ),
                2 => write!(p, "We came back to [[{}]] more than once.", other.slug),
                _ => write!(
                    p,
                    "As in [[{}|the earlier session]], the same names came up.",
                    other.slug
                ),
            }
            .unwrap();
        }
        let mut out = self.wrap(&p, "", "");
        out.push('\n');
        self.push(&out);
    }

    fn actions(&mut self, date: NaiveDate) {
        self.push("## Action items\n\n");
        let n = self.rng.range(1, 4);
        let mut a = String::new();
        for _ in 0..n {
            let who = self.someone();
            let m = &self.site.members[who];
            let done = self.rng.chance(40);
            let owner = if self.rng.chance(70) {
                format!("@{}", m.slug)
            } else {
                format!("@\"{}\"", m.name)
            };
            let text = self.rng.word(ACTION_TEXTS);
            let due = if self.rng.chance(60) {
                let d = date + Duration::days(self.rng.range(3, 60) as i64);
                format!(" (due {})", d.format("%Y-%m-%d"))
            } else {
                String::new()
            };
            writeln!(
                a,
                "- [{}] {owner} {text}{due}",
                if done { "x" } else { " " }
            )
            .unwrap();
        }
        a.push('\n');
        self.push(&a);
    }
}

fn session_note(site: &Site, index: usize) -> String {
    let s = &site.sessions[index];
    let mut rng = Rng::derive(site.seed, 5, index as u64);
    let community = &site.communities[s.community];

    // People: mostly from the session's community.
    let n_facilitators = rng.range(1, 2);
    let n_attendees = rng.range(3, 25);
    let mut chosen: Vec<usize> = Vec::with_capacity(n_facilitators + n_attendees);
    let total = site.members.len();
    let mut guard = 0;
    while chosen.len() < n_facilitators + n_attendees && guard < 10_000 {
        guard += 1;
        let m = if !community.members.is_empty() && rng.chance(75) {
            *rng.pick(&community.members)
        } else {
            rng.below(total)
        };
        // Facilitators should be able to be linked.
        if chosen.len() < n_facilitators && site.members[m].private {
            continue;
        }
        if !chosen.contains(&m) {
            chosen.push(m);
        }
    }
    let n_tags = rng.range(2, 5);
    let mut tags: Vec<&'static str> = rng
        .distinct(TAGS.len(), n_tags)
        .into_iter()
        .map(|i| TAGS[i])
        .collect();
    tags.dedup();

    let mut fm = String::with_capacity(1024);
    fm.push_str("---\n");
    writeln!(fm, "title: {}", yq(&s.title)).unwrap();
    match s.time {
        Some((h, m)) => {
            writeln!(fm, "date: {}", local_stamp(s.date, h, m)).unwrap();
            match rng.below(10) {
                0 => {
                    let mins = h * 60 + m + *rng.pick(&[90u32, 120, 150]);
                    if mins < 24 * 60 {
                        writeln!(fm, "end: {}", local_stamp(s.date, mins / 60, mins % 60)).unwrap();
                    }
                }
                1 | 2 => {
                    writeln!(
                        fm,
                        "duration: {}",
                        rng.pick(&["90m", "2h", "1h30m", "1.5h", "45m"])
                    )
                    .unwrap();
                }
                _ => {}
            }
        }
        None => writeln!(fm, "date: {}", s.date.format("%Y-%m-%d")).unwrap(),
    }
    writeln!(fm, "community: {}", community.slug).unwrap();
    fm.push_str("facilitators:\n");
    for &m in &chosen[..n_facilitators.min(chosen.len())] {
        writeln!(fm, "  - {}", yq(&site.person_ref(&mut rng, m))).unwrap();
    }
    fm.push_str("attendees:\n");
    for &m in chosen.iter().skip(n_facilitators) {
        writeln!(fm, "  - {}", yq(&site.person_ref(&mut rng, m))).unwrap();
    }
    if rng.chance(35) {
        writeln!(fm, "location: {}", yq(rng.word(LOCATIONS))).unwrap();
    }
    if rng.chance(50) {
        let quoted: Vec<String> = tags.iter().map(|t| yq(t)).collect();
        writeln!(fm, "tags: [{}]", quoted.join(", ")).unwrap();
    } else {
        fm.push_str("tags:\n");
        for t in &tags {
            writeln!(fm, "  - {}", yq(t)).unwrap();
        }
    }
    if rng.chance(2) {
        fm.push_str("status: cancelled\n");
    }
    if rng.chance(40) {
        let t = rng.word(&tags);
        writeln!(
            fm,
            "summary: >-\n  A {} session of the {} on {t}: what we tried, what we\n  heard, and who is doing what next.",
            rng.pick(&["lively", "small", "crowded", "quiet", "long", "short"]),
            community.name
        )
        .unwrap();
    }
    fm.push_str("---\n\n");

    let target = rng.range(600, 1500);
    let width = if rng.chance(30) { 0 } else { rng.range(72, 80) };
    let mut w = NoteWriter {
        site,
        rng,
        index,
        people: chosen,
        tags,
        recent: Vec::new(),
        width,
        out: fm,
        words: 0,
    };

    // Extras to place between sections, in a shuffled order.
    let mut extras: Vec<u8> = vec![b'q', b'l', b'f', b'e'];
    if w.rng.chance(25) {
        extras.push(b't');
    }
    if w.rng.chance(20) {
        extras.push(b'c');
    }
    if w.rng.chance(10) {
        extras.push(b'a');
    }
    if w.rng.chance(50) {
        extras.push(b'e');
    }
    for i in (1..extras.len()).rev() {
        let j = w.rng.below(i + 1);
        extras.swap(i, j);
    }

    w.paragraph();
    let budget = target.saturating_sub(45);
    let mut headings = w.rng.distinct(HEADINGS.len(), HEADINGS.len());
    let mut section = 0;
    while w.words < budget || !extras.is_empty() {
        let h = HEADINGS[headings[section % headings.len()]];
        section += 1;
        if section % headings.len() == 0 {
            headings.rotate_left(1);
        }
        w.push(&format!("## {h}\n\n"));
        w.paragraph();
        if w.rng.chance(30) {
            let sub = *w.rng.pick(SUBHEADINGS);
            w.push(&format!("### {sub}\n\n"));
            w.paragraph();
        }
        if w.rng.chance(35) {
            w.list();
        }
        if let Some(e) = extras.pop() {
            match e {
                b'q' => w.blockquote(),
                b'l' => w.list(),
                b'f' => w.foreign(),
                b'e' => w.earlier_links(),
                b't' => w.table(),
                b'c' => w.code(),
                b'a' => w.arabic(),
                _ => unreachable!(),
            }
        }
        if w.words < budget && w.rng.chance(50) {
            w.paragraph();
        }
    }
    w.actions(s.date);
    w.out
}

// -------------------------------------------------------- other content

fn member_note(site: &Site, index: usize) -> String {
    let m = &site.members[index];
    let mut rng = Rng::derive(site.seed, 6, index as u64);
    let mut o = String::with_capacity(1500);
    o.push_str("---\n");
    writeln!(o, "name: {}", yq(&m.name)).unwrap();
    writeln!(o, "role: {}", yq(rng.word(ROLES))).unwrap();
    writeln!(
        o,
        "organization: {}",
        yq(&format!("{} {}", rng.pick(ORG_PLACES), rng.pick(ORG_KINDS)))
    )
    .unwrap();
    let joined =
        NaiveDate::from_ymd_opt(2013, 1, 1).unwrap() + Duration::days(rng.below(13 * 365) as i64);
    writeln!(o, "joined: {}", joined.format("%Y-%m-%d")).unwrap();
    o.push_str("communities:\n");
    for &c in &m.communities {
        writeln!(o, "  - {}", site.communities[c].slug).unwrap();
    }
    o.push_str("expertise:\n");
    let n_expertise = rng.range(1, 4);
    for i in rng.distinct(TAGS.len(), n_expertise) {
        writeln!(o, "  - {}", yq(TAGS[i])).unwrap();
    }
    if let Some(aka) = &m.aka {
        writeln!(o, "aka:\n  - {}", yq(aka)).unwrap();
    }
    if rng.chance(30) {
        writeln!(
            o,
            "links:\n  Website: https://example.org/people/{}/",
            m.slug
        )
        .unwrap();
        if rng.chance(50) {
            writeln!(o, "  Email: mailto:{}@example.org", m.slug).unwrap();
        }
    }
    if m.private {
        o.push_str("private: true\n");
    }
    o.push_str("---\n\n");
    let first = m.name.split(' ').next().unwrap();
    let c = &site.communities[m.communities[0]];
    let t = rng.word(TAGS);
    writeln!(
        o,
        "{first} joined the [[{}]] to compare notes on {t} with people who do the same work\nelsewhere. Before that, {} was the person everyone asked about {}.\n",
        c.slug,
        first,
        rng.pick(NOUNS)
    )
    .unwrap();
    if rng.chance(50) {
        let other = *rng.pick(&site.public);
        writeln!(
            o,
            "They often pair with [[{}]] on {} work, and once spent a week in {} learning how\nanother network runs its {}.\n",
            site.members[other].name,
            rng.pick(TAGS),
            rng.pick(PLACES),
            rng.pick(NOUNS).trim_start_matches("the ")
        )
        .unwrap();
    }
    writeln!(
        o,
        "Ask {first} about: {}, {} and how to {} {}.",
        rng.pick(TAGS),
        rng.pick(TAGS),
        rng.pick(VERBS),
        rng.pick(NOUNS)
    )
    .unwrap();
    o
}

fn community_note(site: &Site, index: usize) -> String {
    let c = &site.communities[index];
    let mut rng = Rng::derive(site.seed, 7, index as u64);
    let pool: Vec<usize> = c
        .members
        .iter()
        .copied()
        .filter(|&m| !site.members[m].private)
        .collect();
    let pool = if pool.is_empty() { &site.public } else { &pool };
    let n_leads = rng.range(1, 2);
    let leads: Vec<usize> = rng
        .distinct(pool.len(), n_leads)
        .into_iter()
        .map(|i| pool[i])
        .collect();
    let mut o = String::with_capacity(1500);
    o.push_str("---\n");
    writeln!(o, "name: {}", yq(&c.name)).unwrap();
    writeln!(
        o,
        "description: >-\n  Peer learning for people in social mission organizations who work on\n  {} and {}, whatever their background.",
        rng.pick(TAGS),
        rng.pick(TAGS)
    )
    .unwrap();
    writeln!(o, "meets: {}", yq(rng.word(MEETS))).unwrap();
    o.push_str("lead:\n");
    for &l in &leads {
        let r = site.person_ref(&mut rng, l);
        writeln!(o, "  - {}", yq(&r)).unwrap();
    }
    o.push_str("---\n\n");
    writeln!(
        o,
        "The {} started as a handful of people comparing notes over coffee and grew\ninto a circle that meets regularly. Most members are the only person in\ntheir organization who does this work.\n",
        c.name
    )
    .unwrap();
    o.push_str("## What we do\n\n");
    for _ in 0..4 {
        writeln!(
            o,
            "- Sessions on {} and {}.",
            rng.pick(TAGS),
            rng.pick(TAGS)
        )
        .unwrap();
    }
    let names: Vec<String> = leads
        .iter()
        .map(|&l| format!("[[{}]]", site.members[l].name))
        .collect();
    writeln!(
        o,
        "\nThe leads are {}. The agenda belongs to the members.",
        names.join(" and ")
    )
    .unwrap();
    o
}

fn about_page(site: &Site) -> String {
    let mut o = String::from(
        "---\ntitle: About this knowledge base\n---\n\nThis site is the shared memory of practitioner circles that meet to learn\nfrom each other. It is generated for benchmarks, but it reads like the real\nthing: café conversations, naïve questions and all.\n\n## Communities\n\n",
    );
    for c in site.communities.iter().take(50) {
        writeln!(o, "- [[{}]]", c.slug).unwrap();
    }
    if let Some(first) = site.sessions.first() {
        writeln!(
            o,
            "\nStart with [[{}|the first session]] if you are new.",
            first.slug
        )
        .unwrap();
    }
    o
}

// ----------------------------------------------------------------- main

struct Args {
    sessions: usize,
    members: usize,
    seed: u64,
    out: PathBuf,
    force: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: gen_corpus --sessions N --members M [--seed S] --out DIR [--force]\n\
         writes a deterministic cairn site into DIR (which must not hold content/ unless --force)"
    );
    exit(2)
}

fn parse_args() -> Args {
    let mut args = Args {
        sessions: 1000,
        members: 200,
        seed: 1,
        out: PathBuf::new(),
        force: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--sessions" => args.sessions = value().parse().unwrap_or_else(|_| usage()),
            "--members" => args.members = value().parse().unwrap_or_else(|_| usage()),
            "--seed" => args.seed = value().parse().unwrap_or_else(|_| usage()),
            "--out" => args.out = PathBuf::from(value()),
            "--force" => args.force = true,
            "-h" | "--help" => usage(),
            _ => {
                eprintln!("unknown argument `{a}`");
                usage()
            }
        }
    }
    if args.out.as_os_str().is_empty() {
        usage();
    }
    if args.members < 30 {
        eprintln!("note: raising --members to 30 (sessions need up to 27 distinct people)");
        args.members = 30;
    }
    args
}

fn write(path: &Path, text: &str) -> u64 {
    fs::write(path, text).unwrap_or_else(|e| {
        eprintln!("cannot write {}: {e}", path.display());
        exit(1)
    });
    text.len() as u64
}

fn main() {
    let args = parse_args();
    let content = args.out.join("content");
    if content.exists() {
        if !args.force {
            eprintln!(
                "{} already exists; pass --force to replace it",
                content.display()
            );
            exit(2);
        }
        fs::remove_dir_all(&content).expect("remove old content");
    }
    let site = Site::new(args.seed, args.sessions, args.members);

    let sessions_dir = content.join("sessions");
    let mut years: Vec<i32> = site.sessions.iter().map(Session::year).collect();
    years.dedup();
    for y in &years {
        fs::create_dir_all(sessions_dir.join(y.to_string())).expect("create sessions folder");
    }
    for d in ["members", "communities", "pages"] {
        fs::create_dir_all(content.join(d)).expect("create content folder");
    }

    let config = format!(
        "title: Practitioner Commons\ndescription: >-\n  Notes, people and circles of {} practitioner communities: a generated\n  corpus of {} session notes (seed {}).\nbase_url: https://example.org/commons/\nlanguage: en\ntimezone: America/Toronto\ntheme: default\npeople: open\n",
        site.communities.len(),
        site.sessions.len(),
        site.seed
    );
    let mut bytes = write(&args.out.join("cairn.yaml"), &config);
    bytes += write(&content.join("pages/about.md"), &about_page(&site));
    let mut files = 2u64;

    bytes += (0..site.sessions.len())
        .into_par_iter()
        .map(|i| {
            let s = &site.sessions[i];
            let path = sessions_dir
                .join(s.year().to_string())
                .join(format!("{}.md", s.slug));
            write(&path, &session_note(&site, i))
        })
        .sum::<u64>();
    bytes += (0..site.members.len())
        .into_par_iter()
        .map(|i| {
            let path = content
                .join("members")
                .join(format!("{}.md", site.members[i].slug));
            write(&path, &member_note(&site, i))
        })
        .sum::<u64>();
    bytes += (0..site.communities.len())
        .into_par_iter()
        .map(|i| {
            let path = content
                .join("communities")
                .join(format!("{}.md", site.communities[i].slug));
            write(&path, &community_note(&site, i))
        })
        .sum::<u64>();
    files += (site.sessions.len() + site.members.len() + site.communities.len()) as u64;

    println!(
        "gen_corpus: {} files, {} bytes ({} sessions, {} members, {} communities, seed {}) in {}",
        files,
        bytes,
        site.sessions.len(),
        site.members.len(),
        site.communities.len(),
        site.seed,
        args.out.display()
    );
}
