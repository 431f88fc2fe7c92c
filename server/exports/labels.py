"""The Japanese words of the exported files' headers, in one place.

They are the words the phones show (``pwa/js/i18n.js``, its ``ja`` dictionary: the keys
``counter.*``, ``topic.*``, ``answer.*``, ``need.*``, ``session.*`` and ``outreach.*``), so a
ward office reads in its spreadsheet what a volunteer tapped; a parity test holds them
equal. A ward office's report is in Japanese only, so there is no English here.
"""

from sync.vocabulary import SITE_KIND_NAMES

# i18n key → its Japanese, as in the ``ja`` dictionary of pwa/js/i18n.js.
PHONE_WORDS = {
    "counter.parents": "保護者",
    "counter.children_0": "子ども 0歳",
    "counter.children_1": "子ども 1歳",
    "counter.children_2": "子ども 2歳",
    "counter.children_3plus": "子ども 3歳以上",
    "counter.expecting_parents": "妊娠中の方",
    "counter.fathers": "父親",
    "counter.grandparents": "祖父母",
    "counter.first_time": "はじめての方",
    "counter.in_ward": "区内から",
    "counter.out_of_ward": "区外から",
    "counter.connected_to_ward_count": "区につないだ",
    "topic.work_life": "仕事・家庭・子育ての両立",
    "topic.family_relations": "家族関係",
    "topic.elder_care": "親の介護",
    "topic.single_parent": "ひとり親",
    "topic.financial": "経済的な困りごと",
    "topic.development": "子どもの発達",
    "topic.parenting_approach": "関わり方・しつけ",
    "topic.health_daily": "健康・食事・睡眠",
    "topic.places_childcare": "出かけ先・預け先",
    "topic.other": "その他",
    "answer.answered_on_site": "その場で対応",
    "answer.referred_to_site": "他の施設を紹介",
    "answer.connected_to_ward": "区につないだ",
    "need.small_homely": "少人数でアットホーム",
    "need.outdoor_play": "屋外で体を動かせる",
    "need.meet_many": "多くの親子と知り合える",
    "need.family_consult": "子育て以外の相談もできる",
    "need.consult_room": "相談室がある",
    "need.temp_childcare": "一時預かり",
    "need.saturday": "土曜開所",
    "need.fathers_welcome": "父親も参加しやすい",
    "need.prenatal_ok": "妊娠中から利用できる",
    "session.day": "終日",
    "session.am": "午前",
    "session.pm": "午後",
    "outreach.place": "訪問先",
    "outreach.went": "行った人",
    "outreach.met": "会った地域の方",
    "outreach.summary": "訪問のようす",
    "outreach.went_nursery_teacher": "保育士",
    "outreach.went_public_health_nurse": "保健師",
    "outreach.went_parenting_partner": "横浜子育てパートナー",
    "outreach.went_supporter": "子育て支援者",
    "outreach.went_nutritionist": "栄養士",
    "outreach.went_other": "その他",
    "outreach.parents": "保護者",
    "outreach.children": "子ども",
    "outreach.met_neighborhood_assoc": "自治会・町内会役員",
    "outreach.met_welfare_commissioner": "民生委員・児童委員",
    "outreach.met_chief_child_commissioner": "主任児童委員",
    "outreach.met_supporter": "子育て支援者",
    "outreach.met_other": "その他",
    "outreach.topic.development": "発達",
    "outreach.topic.discipline": "関わり方・しつけ",
    "outreach.topic.feeding": "食事・離乳食",
    "outreach.topic.sleep": "睡眠",
    "outreach.topic.play": "遊び",
    "outreach.topic.checkups": "予防接種・健診",
    "outreach.topic.nursery_use": "園の利用",
    "outreach.topic.local_places": "地域の居場所の紹介",
    "outreach.topic.other": "その他",
    "outreach.follow_up_what": "約束したこと",
    "outreach.follow_up_site": "フォローする施設",
    "outreach.follow_up_by": "いつまでに",
}


def word(key: str) -> str:
    return PHONE_WORDS[key]


def kind_name(kind: str) -> str:
    """A site kind's Japanese name; the code itself for a kind the vocabulary lacks."""
    return SITE_KIND_NAMES.get(kind, (kind,))[0]


def session_name(slot: str) -> str:
    """A session slot as the phone names it (午前, 午後, 終日); any other slot as it is."""
    return PHONE_WORDS.get(f"session.{slot}", slot)


# Headers the phone has no word for.
DATE = "日付"
VISIT_DATE = "訪問日"
SITE = "施設名"
SITE_ID = "施設ID"
KIND = "施設の種類"
AREA = "地域"
SESSION = "回"
NEEDS = "希望"
NOTES = "メモ"
TOPICS = "話題"
VISITING_SITE = "訪問した施設"
RECORD_ID = "記録ID"
WARD_TOTAL = "区全体"
KIND_TOTAL = "合計"
WARD_SHEET = "区全体"
