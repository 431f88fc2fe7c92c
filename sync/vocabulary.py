"""The domain's fixed vocabularies (GLOSSARY.md), shared by the server, the schemas and sync.

Codes are what the API and the database carry; the Japanese is what people see.
"""

SITE_KINDS = (
    "hub",
    "tsudoi_hiroba",
    "supporter_program",
    "nursery_hiroba",
    "kindergarten_hamakko",
    "salon",
)
SITE_KIND_NAMES = {
    "hub": ("地域子育て支援拠点", "Regional child-rearing support hub"),
    "tsudoi_hiroba": ("親と子のつどいの広場", "Parent-and-child gathering place"),
    "supporter_program": ("子育て支援者事業", "Community parenting supporter programme"),
    "nursery_hiroba": ("保育所・認定こども園 子育てひろば", "Nursery community support"),
    "kindergarten_hamakko": ("私立幼稚園 はまっ子広場", "Kindergarten Hamakko Hiroba"),
    "salon": ("子育てサロン", "Parenting salon"),
}
# A 「子育て施設一覧」 種別 may also map to "skip": a childcare provider (認可保育所…), not a
# support site; its rows are counted by an import, never imported.
SKIP_KIND = "skip"
KIND_MAPPING_TARGETS = (*SITE_KINDS, SKIP_KIND)
SCHEDULE_KINDS = ("permanent", "periodic")

FEATURE_TAGS = (
    "small_homely",
    "outdoor_play",
    "meet_many",
    "family_consult",
    "consult_room",
    "temp_childcare",
    "saturday",
    "fathers_welcome",
    "prenatal_ok",
)

# A child's age as an introduction card keeps it, for the target site to prepare: expecting
# ("pregnant"), or the age in whole years, 0 to 5 (the ages the sites serve). Never a birth
# date. The phone has the same list (pwa/js/cards.js CHILD_AGE_BANDS).
CHILD_AGE_BANDS = ("pregnant", "0", "1", "2", "3", "4", "5")

ROLES = ("volunteer", "site_staff", "hub_staff", "ward_officer", "admin")

PROGRAMME_THEMES = (
    "chat",
    "yard_open",
    "parenting_class",
    "exchange_play",
    "temp_childcare",
    "consultation",
    "outreach",
    "event",
    "other",
)
CONTACT_ROLES = (
    "staff",
    "supporter",
    "volunteer",
    "parenting_partner",
    "nursery_teacher",
    "public_health_nurse",
    "midwife",
    "welfare_commissioner",
    "chief_child_commissioner",
)
CONSULTATION_TOPICS = (
    "work_life",
    "family_relations",
    "elder_care",
    "single_parent",
    "financial",
    "development",
    "parenting_approach",
    "health_daily",
    "places_childcare",
    "other",
)
# Outreach (step 4 of the source document): professionals go out to a salon and talk with
# the parents there. Who went and whom they met are counted by role, never named.
OUTREACH_ROLES = (
    "nursery_teacher",
    "public_health_nurse",
    "parenting_partner",
    "supporter",
    "nutritionist",
    "other",
)
OUTREACH_TOPICS = (
    "development",
    "discipline",
    "feeding",
    "sleep",
    "play",
    "checkups",
    "nursery_use",
    "local_places",
    "other",
)
LOCAL_PEOPLE_ROLES = (
    "neighborhood_assoc",
    "welfare_commissioner",
    "chief_child_commissioner",
    "supporter",
    "other",
)
WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# (code, slug, 日本語, romaji) in the city's usual display order.
WARDS = (
    ("14101", "tsurumi", "鶴見区", "Tsurumi-ku"),
    ("14102", "kanagawa", "神奈川区", "Kanagawa-ku"),
    ("14103", "nishi", "西区", "Nishi-ku"),
    ("14104", "naka", "中区", "Naka-ku"),
    ("14105", "minami", "南区", "Minami-ku"),
    ("14111", "konan", "港南区", "Kōnan-ku"),
    ("14106", "hodogaya", "保土ケ谷区", "Hodogaya-ku"),
    ("14112", "asahi", "旭区", "Asahi-ku"),
    ("14107", "isogo", "磯子区", "Isogo-ku"),
    ("14108", "kanazawa", "金沢区", "Kanazawa-ku"),
    ("14109", "kohoku", "港北区", "Kōhoku-ku"),
    ("14113", "midori", "緑区", "Midori-ku"),
    ("14117", "aoba", "青葉区", "Aoba-ku"),
    ("14118", "tsuzuki", "都筑区", "Tsuzuki-ku"),
    ("14110", "totsuka", "戸塚区", "Totsuka-ku"),
    ("14115", "sakae", "栄区", "Sakae-ku"),
    ("14116", "izumi", "泉区", "Izumi-ku"),
    ("14114", "seya", "瀬谷区", "Seya-ku"),
)
