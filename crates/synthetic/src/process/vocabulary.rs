//! The words of synthetic records: occupations, fields of education, skills, goals and notes.

use super::*;

/// Languages not written in the Latin alphabet among the synthetic communities.
pub(super) const OTHER_SCRIPT: &[&str] = &["uk", "ru", "ar", "prs", "ckb", "ti", "th"];

/// An occupation group (ISCO-08, the `occupations` code list) with an employment goal and its field.
pub(super) struct Occupation {
    pub(super) code: &'static str,
    pub(super) goal: &'static str,
    pub(super) field: &'static str,
}

pub(super) const OCCUPATIONS: &[Occupation] = &[
    Occupation {
        code: "53",
        goal: "Hoiva-alan työ, lähihoitajan tehtävät",
        field: "hoiva-alalla",
    },
    Occupation {
        code: "51",
        goal: "Ravintola- ja palvelualan työ",
        field: "ravintola-alalla",
    },
    Occupation {
        code: "91",
        goal: "Siivous- ja kiinteistöpalvelualan työ",
        field: "kiinteistöpalvelualalla",
    },
    Occupation {
        code: "83",
        goal: "Kuljetusalan työ",
        field: "logistiikka-alalla",
    },
    Occupation {
        code: "72",
        goal: "Asentajan ja korjaajan työ",
        field: "metallialalla",
    },
    Occupation {
        code: "23",
        goal: "Opettajan työ; kelpoisuuden hankkiminen",
        field: "kasvatusalalla",
    },
    Occupation {
        code: "22",
        goal: "Terveydenhuollon ammatti; laillistaminen",
        field: "terveysalalla",
    },
    Occupation {
        code: "25",
        goal: "ICT-alan asiantuntijatyö",
        field: "ICT-alalla",
    },
    Occupation {
        code: "43",
        goal: "Taloushallinnon tehtävät",
        field: "taloushallinnossa",
    },
    Occupation {
        code: "71",
        goal: "Rakennusalan työ",
        field: "rakennusalalla",
    },
    Occupation {
        code: "52",
        goal: "Myyjän työ",
        field: "kaupan alalla",
    },
    Occupation {
        code: "94",
        goal: "Keittiötyö",
        field: "ravintola-alalla",
    },
];

pub(super) fn education_fields(isced_level: &str) -> &'static [&'static str] {
    match isced_level {
        "1" | "2" => &["Yleissivistävä koulutus"],
        "3" => &[
            "Lukio",
            "Ammatillinen koulutus, sähköala",
            "Ammatillinen koulutus, kampaaja",
            "Ammatillinen koulutus, kokki",
        ],
        _ => &[
            "Kirjanpito",
            "Opettajankoulutus",
            "Sairaanhoito",
            "Tietotekniikka",
            "Rakennustekniikka",
            "Oikeustiede",
        ],
    }
}

pub(super) const SPECIAL_SKILLS: &[&str] = &[
    "Ajokortti (B) lähtömaasta; vaihto suomalaiseen selvitettävä.",
    "Ompelu- ja korjaustaidot; ollut oma yritys.",
    "Puhuu useita kieliä; kokemusta tulkkauksesta.",
    "Valmentanut lasten jalkapallojoukkuetta.",
];

pub(super) const DIGITAL_SKILLS: &[&str] = &[
    "Käyttää älypuhelinta sujuvasti; tietokoneen käyttö vähäistä.",
    "Hyvät tietotekniset taidot; käyttää sähköistä asiointia itsenäisesti.",
    "Tarvitsee apua sähköisessä asioinnissa (Kela, verkkopankki).",
    "Ei omaa tietokonetta; asioi puhelimella.",
];

pub(super) const LIFE_SITUATIONS: &[&str] = &[
    "Asuu puolison ja kahden lapsen kanssa vuokra-asunnossa.",
    "Asuu yksin; perhe on vielä lähtömaassa.",
    "Yksinhuoltaja, kolme kouluikäistä lasta.",
    "Asuu tilapäisesti sukulaisten luona; asunto haussa.",
    "Asuu puolison kanssa; odottaa perheenyhdistämispäätöstä.",
];

pub(super) const REVIEW_SUMMARIES: &[&str] = &[
    "Suunnitelma etenee; kielikoulutus sujuu hyvin.",
    "Edennyt hyvin; seuraavaksi työkokeilu.",
    "Kielikoulutuksen aloitus viivästyi; uusi ryhmä alkaa pian.",
    "Asiakas on tyytyväinen; tavoitteita tarkennettu.",
];

pub(super) const WELLBEING_GOALS: &[(GoalArea, &str, ServiceType, &str)] = &[
    (
        GoalArea::EverydayLife,
        "Arjen asioiden hoitaminen itsenäisesti (Kela, pankki, asuminen)",
        ServiceType::GuidanceAndCounselling,
        "Kotoutumispalvelut, ohjaus",
    ),
    (
        GoalArea::Wellbeing,
        "Terveydentilan selvittäminen ja hoitoon pääsy",
        ServiceType::SocialOrHealthService,
        "Hyvinvointialueen terveysasema",
    ),
    (
        GoalArea::Wellbeing,
        "Mielekäs vapaa-aika ja sosiaaliset verkostot",
        ServiceType::Other,
        "Järjestön kohtaamispaikka",
    ),
];

pub(super) const FOLLOW_UP_NOTES: &[(NoteType, &str)] = &[
    (
        NoteType::PhoneCall,
        "Asiakas soitti ja kysyi kotoutumiskoulutuksen aikataulusta. Neuvottu olemaan yhteydessä oppilaitokseen.",
    ),
    (
        NoteType::Message,
        "Lähetetty asiakkaalle muistutus tulevasta seurantatapaamisesta.",
    ),
    (
        NoteType::Guidance,
        "Ohjattu asiakasta asumistuen hakemisessa ja Kelan asiointipalvelun käytössä.",
    ),
    (
        NoteType::Counselling,
        "Keskusteltu lasten varhaiskasvatus- ja koulupaikoista; annettu yhteystiedot.",
    ),
    (
        NoteType::Meeting,
        "Tapaaminen tulkin kanssa: käyty läpi työkokeilumahdollisuuksia ja työnhakua.",
    ),
];

pub(super) const SENSITIVE_NOTES: &[&str] = &[
    "Asiakas kertoi univaikeuksista ja jaksamisesta. Ohjattu hyvinvointialueen terveysasemalle; asiakas antoi luvan yhteydenottoon.",
    "Keskusteltu perheen tilanteesta ja lastensuojelun tukitoimista asiakkaan pyynnöstä.",
];
