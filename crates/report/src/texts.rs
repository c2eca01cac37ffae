//! The fixed texts of printable documents, one translation per [`Language`].
//!
//! Finnish and Swedish use the terms of the Integration Act 681/2023 and its Swedish version
//! (kotoutumissuunnitelma / integrationsplan, monialainen kotoutumissuunnitelma / sektorsövergripande
//! integrationsplan, monikielinen yhteiskuntaorientaatio / flerspråkig samhällsorientering,
//! kotoutumiskoulutus / integrationsutbildning). Every entry of the table names every language, so a
//! missing translation does not compile.

use kotopolku_domain::process::common::ServiceType;
use kotopolku_domain::process::plan::{GoalArea, MeasureStatus};

use crate::language::Language;

/// One text in every language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Translations {
    pub fi: &'static str,
    pub sv: &'static str,
    pub en: &'static str,
    pub uk: &'static str,
    pub ru: &'static str,
    pub ar: &'static str,
}

impl Translations {
    pub fn get(&self, lang: Language) -> &'static str {
        match lang {
            Language::Fi => self.fi,
            Language::Sv => self.sv,
            Language::En => self.en,
            Language::Uk => self.uk,
            Language::Ru => self.ru,
            Language::Ar => self.ar,
        }
    }
}

/// Declares [`TextKey`], its `ALL` list and its translations from one table.
macro_rules! text_table {
    ($(
        $(#[$doc:meta])*
        $key:ident {
            fi: $fi:literal,
            sv: $sv:literal,
            en: $en:literal,
            uk: $uk:literal,
            ru: $ru:literal,
            ar: $ar:literal $(,)?
        }
    )*) => {
        /// A fixed text of the printable documents.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum TextKey {
            $($(#[$doc])* $key,)*
        }

        impl TextKey {
            /// Every key, in table order.
            pub const ALL: &'static [TextKey] = &[$(TextKey::$key,)*];

            /// The key's text in every language.
            pub fn translations(self) -> Translations {
                match self {
                    $(TextKey::$key => Translations { fi: $fi, sv: $sv, en: $en, uk: $uk, ru: $ru, ar: $ar },)*
                }
            }
        }
    };
}

text_table! {
    // Headings and the page title.
    /// The heading of an integration plan (681/2023 §15).
    IntegrationPlan {
        fi: "Kotoutumissuunnitelma",
        sv: "Integrationsplan",
        en: "Integration plan",
        uk: "План інтеграції",
        ru: "План интеграции",
        ar: "خطة الاندماج",
    }
    /// The heading of a multisectoral integration plan (681/2023 §16).
    MultisectoralIntegrationPlan {
        fi: "Monialainen kotoutumissuunnitelma",
        sv: "Sektorsövergripande integrationsplan",
        en: "Multisectoral integration plan",
        uk: "Міжсекторальний план інтеграції",
        ru: "Межсекторальный план интеграции",
        ar: "خطة الاندماج متعددة القطاعات",
    }
    /// Follows the heading in the page title: "Kotoutumissuunnitelma – tulostettava versio".
    PageTitle {
        fi: "tulostettava versio",
        sv: "utskriftsversion",
        en: "printable version",
        uk: "версія для друку",
        ru: "версия для печати",
        ar: "نسخة للطباعة",
    }

    // Customer facts.
    Customer {
        fi: "Asiakas",
        sv: "Kund",
        en: "Customer",
        uk: "Клієнт",
        ru: "Клиент",
        ar: "العميل",
    }
    DateOfBirth {
        fi: "Syntymäaika",
        sv: "Födelsedatum",
        en: "Date of birth",
        uk: "Дата народження",
        ru: "Дата рождения",
        ar: "تاريخ الميلاد",
    }
    Municipality {
        fi: "Kunta",
        sv: "Kommun",
        en: "Municipality",
        uk: "Муніципалітет",
        ru: "Муниципалитет",
        ar: "البلدية",
    }
    /// The wellbeing services county taking part in a multisectoral plan.
    WellbeingServicesCounty {
        fi: "Hyvinvointialue",
        sv: "Välfärdsområde",
        en: "Wellbeing services county",
        uk: "Округ добробуту",
        ru: "Округ благосостояния",
        ar: "منطقة خدمات الرفاه",
    }
    PlanPeriod {
        fi: "Suunnitelman voimassaoloaika",
        sv: "Planens giltighetstid",
        en: "Plan period",
        uk: "Термін дії плану",
        ru: "Срок действия плана",
        ar: "مدة سريان الخطة",
    }
    DrawnUpOn {
        fi: "Laadittu",
        sv: "Upprättad",
        en: "Drawn up on",
        uk: "Дата складання",
        ru: "Дата составления",
        ar: "تاريخ الإعداد",
    }
    CustomerAgreedOn {
        fi: "Asiakkaan hyväksyntä",
        sv: "Kundens godkännande",
        en: "Customer's agreement",
        uk: "Згода клієнта",
        ru: "Согласие клиента",
        ar: "موافقة العميل",
    }
    Authors {
        fi: "Laatijat",
        sv: "Upprättad av",
        en: "Authors",
        uk: "Укладачі",
        ru: "Составители",
        ar: "المُعِدّون",
    }

    // Goals and their areas.
    Goals {
        fi: "Tavoitteet",
        sv: "Mål",
        en: "Goals",
        uk: "Цілі",
        ru: "Цели",
        ar: "الأهداف",
    }
    AreaLanguage {
        fi: "Kielitaito",
        sv: "Språkkunskaper",
        en: "Language skills",
        uk: "Мовні навички",
        ru: "Языковые навыки",
        ar: "المهارات اللغوية",
    }
    AreaEmployment {
        fi: "Työllistyminen",
        sv: "Sysselsättning",
        en: "Employment",
        uk: "Працевлаштування",
        ru: "Трудоустройство",
        ar: "التوظيف",
    }
    AreaEducation {
        fi: "Koulutus",
        sv: "Utbildning",
        en: "Education",
        uk: "Освіта",
        ru: "Образование",
        ar: "التعليم",
    }
    AreaWellbeing {
        fi: "Hyvinvointi",
        sv: "Välbefinnande",
        en: "Wellbeing",
        uk: "Добробут",
        ru: "Благополучие",
        ar: "الرفاه",
    }
    AreaEverydayLife {
        fi: "Arkielämä",
        sv: "Vardagsliv",
        en: "Everyday life",
        uk: "Повсякденне життя",
        ru: "Повседневная жизнь",
        ar: "الحياة اليومية",
    }

    // Measures.
    Measures {
        fi: "Toimenpiteet",
        sv: "Åtgärder",
        en: "Measures",
        uk: "Заходи",
        ru: "Мероприятия",
        ar: "الإجراءات",
    }
    Service {
        fi: "Palvelu",
        sv: "Tjänst",
        en: "Service",
        uk: "Послуга",
        ru: "Услуга",
        ar: "الخدمة",
    }
    Provider {
        fi: "Palveluntuottaja",
        sv: "Tjänsteproducent",
        en: "Provider",
        uk: "Надавач послуги",
        ru: "Поставщик услуги",
        ar: "مقدّم الخدمة",
    }
    PlannedDates {
        fi: "Suunniteltu ajankohta",
        sv: "Planerad tid",
        en: "Planned dates",
        uk: "Заплановані дати",
        ru: "Запланированные сроки",
        ar: "المواعيد المخطط لها",
    }
    Hours {
        fi: "Tuntimäärä",
        sv: "Timmar",
        en: "Hours",
        uk: "Кількість годин",
        ru: "Количество часов",
        ar: "عدد الساعات",
    }
    Status {
        fi: "Tilanne",
        sv: "Status",
        en: "Status",
        uk: "Стан",
        ru: "Статус",
        ar: "الحالة",
    }
    Outcome {
        fi: "Tulos",
        sv: "Resultat",
        en: "Outcome",
        uk: "Результат",
        ru: "Результат",
        ar: "النتيجة",
    }
    NoMeasures {
        fi: "Tavoitteelle ei ole kirjattu toimenpiteitä.",
        sv: "Inga åtgärder har antecknats för målet.",
        en: "No measures have been recorded for this goal.",
        uk: "Для цієї цілі заходів не зазначено.",
        ru: "Для этой цели мероприятия не указаны.",
        ar: "لم تُسجَّل أي إجراءات لهذا الهدف.",
    }

    // Measure statuses.
    StatusPlanned {
        fi: "Suunniteltu",
        sv: "Planerad",
        en: "Planned",
        uk: "Заплановано",
        ru: "Запланировано",
        ar: "مخطط له",
    }
    StatusReferred {
        fi: "Ohjattu",
        sv: "Hänvisad",
        en: "Referred",
        uk: "Направлено",
        ru: "Направлено",
        ar: "تمت الإحالة",
    }
    StatusStarted {
        fi: "Aloitettu",
        sv: "Påbörjad",
        en: "Started",
        uk: "Розпочато",
        ru: "Начато",
        ar: "بدأ",
    }
    StatusInterrupted {
        fi: "Keskeytynyt",
        sv: "Avbruten",
        en: "Interrupted",
        uk: "Перервано",
        ru: "Прервано",
        ar: "انقطع",
    }
    StatusCompleted {
        fi: "Toteutunut",
        sv: "Slutförd",
        en: "Completed",
        uk: "Завершено",
        ru: "Завершено",
        ar: "اكتمل",
    }
    StatusCancelled {
        fi: "Peruttu",
        sv: "Inställd",
        en: "Cancelled",
        uk: "Скасовано",
        ru: "Отменено",
        ar: "أُلغي",
    }

    // Service types.
    ServiceCivicOrientation {
        fi: "Monikielinen yhteiskuntaorientaatio",
        sv: "Flerspråkig samhällsorientering",
        en: "Multilingual civic orientation",
        uk: "Багатомовна орієнтація в суспільстві",
        ru: "Многоязычная ориентация в обществе",
        ar: "التوجيه المجتمعي متعدد اللغات",
    }
    ServiceIntegrationTraining {
        fi: "Kotoutumiskoulutus",
        sv: "Integrationsutbildning",
        en: "Integration training",
        uk: "Інтеграційне навчання",
        ru: "Интеграционное обучение",
        ar: "تدريب الاندماج",
    }
    ServiceLiteracyTraining {
        fi: "Lukutaitokoulutus",
        sv: "Utbildning i läs- och skrivfärdighet",
        en: "Literacy training",
        uk: "Навчання грамоти",
        ru: "Обучение грамоте",
        ar: "تعليم القراءة والكتابة",
    }
    ServiceOtherLanguageTraining {
        fi: "Muu kielikoulutus",
        sv: "Annan språkutbildning",
        en: "Other language training",
        uk: "Інше мовне навчання",
        ru: "Другое языковое обучение",
        ar: "تدريب لغوي آخر",
    }
    ServiceVocationalTraining {
        fi: "Ammatillinen koulutus",
        sv: "Yrkesutbildning",
        en: "Vocational training",
        uk: "Професійне навчання",
        ru: "Профессиональное обучение",
        ar: "التدريب المهني",
    }
    ServiceWorkTryOut {
        fi: "Työkokeilu",
        sv: "Arbetsprövning",
        en: "Work try-out",
        uk: "Пробна робота",
        ru: "Пробная работа",
        ar: "تجربة العمل",
    }
    ServiceEmploymentService {
        fi: "Työllisyyspalvelu",
        sv: "Sysselsättningstjänst",
        en: "Employment service",
        uk: "Послуги з працевлаштування",
        ru: "Услуги по трудоустройству",
        ar: "خدمة التوظيف",
    }
    ServiceSocialOrHealthService {
        fi: "Sosiaali- tai terveyspalvelu",
        sv: "Social- eller hälsovårdstjänst",
        en: "Social or health service",
        uk: "Соціальна або медична послуга",
        ru: "Социальная или медицинская услуга",
        ar: "خدمة اجتماعية أو صحية",
    }
    ServiceGuidanceAndCounselling {
        fi: "Ohjaus ja neuvonta",
        sv: "Handledning och rådgivning",
        en: "Guidance and counselling",
        uk: "Консультування та супровід",
        ru: "Консультирование и сопровождение",
        ar: "التوجيه والإرشاد",
    }
    ServiceOther {
        fi: "Muu palvelu",
        sv: "Annan tjänst",
        en: "Other service",
        uk: "Інша послуга",
        ru: "Другая услуга",
        ar: "خدمة أخرى",
    }

    // Reviews.
    Reviews {
        fi: "Suunnitelman tarkistaminen",
        sv: "Översyn av planen",
        en: "Reviews of the plan",
        uk: "Перегляд плану",
        ru: "Пересмотр плана",
        ar: "مراجعة الخطة",
    }
    ReviewPlanned {
        fi: "Suunniteltu",
        sv: "Planerad",
        en: "Planned",
        uk: "Заплановано",
        ru: "Запланировано",
        ar: "الموعد المخطط",
    }
    ReviewHeld {
        fi: "Pidetty",
        sv: "Hållen",
        en: "Held",
        uk: "Проведено",
        ru: "Проведено",
        ar: "تاريخ الانعقاد",
    }
    ReviewSummary {
        fi: "Yhteenveto",
        sv: "Sammanfattning",
        en: "Summary",
        uk: "Підсумок",
        ru: "Итоги",
        ar: "الملخص",
    }
    /// The sentence telling the customer how often the plan is reviewed and that they may ask for it.
    ReviewNotice {
        fi: "Suunnitelma tarkistetaan vähintään kuuden kuukauden välein. Voit myös itse pyytää suunnitelman tarkistamista omalta työntekijältäsi.",
        sv: "Planen ses över minst var sjätte månad. Du kan också själv be din handläggare att se över planen.",
        en: "The plan is reviewed at least every six months. You can also ask your caseworker to review it.",
        uk: "План переглядається щонайменше раз на шість місяців. Ви також можете самі попросити свого відповідального працівника переглянути план.",
        ru: "План пересматривается не реже одного раза в шесть месяцев. Вы также можете сами попросить своего ответственного сотрудника пересмотреть план.",
        ar: "تتم مراجعة الخطة مرة واحدة على الأقل كل ستة أشهر. ويمكنك أيضاً أن تطلب من الموظف المسؤول عن ملفك مراجعتها.",
    }

    // Document details and empty values.
    Version {
        fi: "Versio",
        sv: "Version",
        en: "Version",
        uk: "Версія",
        ru: "Версия",
        ar: "الإصدار",
    }
    PrintedOn {
        fi: "Tulostettu",
        sv: "Utskriven",
        en: "Printed on",
        uk: "Дата друку",
        ru: "Дата печати",
        ar: "تاريخ الطباعة",
    }
    /// A fact that has not been recorded (e.g. the customer's agreement).
    NotRecorded {
        fi: "Ei kirjattu",
        sv: "Inte antecknat",
        en: "Not recorded",
        uk: "Не зазначено",
        ru: "Не указано",
        ar: "غير مسجَّل",
    }
    /// An empty list (no goals, no reviews).
    NoEntries {
        fi: "Ei merkintöjä.",
        sv: "Inga anteckningar.",
        en: "None recorded.",
        uk: "Записів немає.",
        ru: "Записей нет.",
        ar: "لا توجد إدخالات.",
    }
}

impl TextKey {
    /// The key's text in `lang`.
    pub fn text(self, lang: Language) -> &'static str {
        self.translations().get(lang)
    }

    pub fn goal_area(area: GoalArea) -> TextKey {
        match area {
            GoalArea::Language => TextKey::AreaLanguage,
            GoalArea::Employment => TextKey::AreaEmployment,
            GoalArea::Education => TextKey::AreaEducation,
            GoalArea::Wellbeing => TextKey::AreaWellbeing,
            GoalArea::EverydayLife => TextKey::AreaEverydayLife,
        }
    }

    pub fn measure_status(status: MeasureStatus) -> TextKey {
        match status {
            MeasureStatus::Planned => TextKey::StatusPlanned,
            MeasureStatus::Referred => TextKey::StatusReferred,
            MeasureStatus::Started => TextKey::StatusStarted,
            MeasureStatus::Interrupted => TextKey::StatusInterrupted,
            MeasureStatus::Completed => TextKey::StatusCompleted,
            MeasureStatus::Cancelled => TextKey::StatusCancelled,
        }
    }

    pub fn service(service: ServiceType) -> TextKey {
        match service {
            ServiceType::CivicOrientation => TextKey::ServiceCivicOrientation,
            ServiceType::IntegrationTraining => TextKey::ServiceIntegrationTraining,
            ServiceType::LiteracyTraining => TextKey::ServiceLiteracyTraining,
            ServiceType::OtherLanguageTraining => TextKey::ServiceOtherLanguageTraining,
            ServiceType::VocationalTraining => TextKey::ServiceVocationalTraining,
            ServiceType::WorkTryOut => TextKey::ServiceWorkTryOut,
            ServiceType::EmploymentService => TextKey::ServiceEmploymentService,
            ServiceType::SocialOrHealthService => TextKey::ServiceSocialOrHealthService,
            ServiceType::GuidanceAndCounselling => TextKey::ServiceGuidanceAndCounselling,
            ServiceType::Other => TextKey::ServiceOther,
        }
    }
}

/// The text of `key` in `lang`.
pub fn text(key: TextKey, lang: Language) -> &'static str {
    key.text(lang)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_language_has_every_text() {
        for &key in TextKey::ALL {
            for lang in Language::ALL {
                let text = key.text(lang);
                assert!(!text.trim().is_empty(), "{key:?} is empty in {}", lang.as_str());
                assert_eq!(text, text.trim(), "{key:?} has stray spaces in {}", lang.as_str());
            }
        }
    }

    #[test]
    fn texts_are_in_their_own_script() {
        let cyrillic = |c: char| ('\u{0400}'..='\u{04FF}').contains(&c);
        let arabic = |c: char| ('\u{0600}'..='\u{06FF}').contains(&c);
        for &key in TextKey::ALL {
            let t = key.translations();
            assert!(t.uk.chars().any(cyrillic), "{key:?} uk");
            assert!(t.ru.chars().any(cyrillic), "{key:?} ru");
            assert!(t.ar.chars().any(arabic), "{key:?} ar");
            for latin in [t.fi, t.sv, t.en] {
                assert!(!latin.chars().any(|c| cyrillic(c) || arabic(c)), "{key:?}");
            }
        }
    }

    #[test]
    fn keys_are_listed_once() {
        let unique: HashSet<TextKey> = TextKey::ALL.iter().copied().collect();
        assert_eq!(unique.len(), TextKey::ALL.len());
    }

    #[test]
    fn enumerations_have_distinct_texts() {
        let areas: Vec<TextKey> = GoalArea::ALL.into_iter().map(TextKey::goal_area).collect();
        let services: Vec<TextKey> = ServiceType::ALL.into_iter().map(TextKey::service).collect();
        let statuses: Vec<TextKey> = [
            MeasureStatus::Planned,
            MeasureStatus::Referred,
            MeasureStatus::Started,
            MeasureStatus::Interrupted,
            MeasureStatus::Completed,
            MeasureStatus::Cancelled,
        ]
        .into_iter()
        .map(TextKey::measure_status)
        .collect();
        for keys in [areas, services, statuses] {
            for lang in Language::ALL {
                let texts: HashSet<&str> = keys.iter().map(|k| k.text(lang)).collect();
                assert_eq!(texts.len(), keys.len(), "duplicate text in {}", lang.as_str());
            }
        }
    }

    #[test]
    fn official_terms() {
        assert_eq!(TextKey::IntegrationPlan.translations().fi, "Kotoutumissuunnitelma");
        assert_eq!(
            TextKey::MultisectoralIntegrationPlan.translations().sv,
            "Sektorsövergripande integrationsplan"
        );
        assert_eq!(
            TextKey::ServiceCivicOrientation.text(Language::Fi),
            "Monikielinen yhteiskuntaorientaatio"
        );
        assert_eq!(
            TextKey::ServiceIntegrationTraining.text(Language::Sv),
            "Integrationsutbildning"
        );
        assert_eq!(text(TextKey::Goals, Language::En), "Goals");
    }
}
