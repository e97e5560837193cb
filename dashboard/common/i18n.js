// Every string the pages show, one language per block. Japanese first.
export const STRINGS = {
  ja: {
    title: "避難所の空き状況",
    hqTitle: "災害対策本部 避難所ダッシュボード",
    lead: "どの避難所に空きがあるか、いま分かります。",
    register: "避難所パスを事前登録する（受付がQRコードだけで済みます）",
    levels: {
      available: "空いています",
      crowded: "やや混雑",
      nearly_full: "混雑",
      full: "満",
      closed: "閉鎖",
    },
    placesLeft: (n) => `あと ${n} 人`,
    occupancy: (o, c) => `${o} / ${c} 人`,
    updated: (t) => `最終更新 ${t}`,
    distance: (km) => `約 ${km < 1 ? Math.round(km * 1000) + " m" : km.toFixed(1) + " km"}`,
    useLocation: "現在地から近い順に並べる",
    locating: "現在地を確認中…",
    locationDenied: "現在地を使えませんでした。番号順に表示しています。",
    locationOn: "現在地から近い順に表示しています。",
    language: "English",
    languageLabel: "Switch to English",
    live: "ライブ",
    connecting: "接続中…",
    reconnecting: "再接続中…",
    stale: (t) => `更新停止 ${t} から`,
    changed: (name, level) => `${name} は「${level}」になりました`,
    map: "避難所の地図",
    list: "避難所一覧",
    you: "現在地",
    totals: "全体",
    capacity: "収容人数",
    inside: "避難者数",
    vacancy: "空き",
    shelters: "避難所",
    level: "状況",
    trend: "24時間の推移",
    flows: "1時間ごとの入所・退所（全避難所）",
    arrivals: "入所",
    departures: "退所",
    needs: "要配慮者・ペット",
    needsHint: "本部トークンでサインインすると表示されます。",
    signIn: "サインイン",
    signOut: "サインアウト",
    tokenLabel: "本部（hq）トークン",
    signedIn: "本部としてサインイン中",
    signInFailed: "トークンが正しくありません。",
    households: "世帯",
    people: "人数",
    pets: "ペット",
    total: "合計",
    needNames: {
      elderly: "高齢者", disability: "障がい", wheelchair: "車いす", pregnant: "妊婦",
      infant: "乳幼児", chronic_illness: "慢性疾患", allergy: "アレルギー",
      medical_care: "医療的ケア", foreign_language: "外国語", other: "その他",
    },
    attribution: "地図はオフラインでも表示できる簡易図です。",
    cards: "受付端末の登録カード",
    cardsHelp: "避難所の入口で使うタブレットを登録するカードを作ります。カードのQRコードをタブレットのカメラで読み取ると、その避難所の受付画面が開きます。",
    cardShelter: "避難所",
    cardLabel: "置き場所（例：正面入口）",
    cardMake: "カードを作る",
    cardTitle: "受付端末 登録カード",
    cardSteps: ["タブレットのカメラでこのQRコードを読み取る", "開いた画面が受付画面になります（以後は /kiosk を開くだけ）", "ネットワークがなくても受付でき、つながると自動で送信します"],
    cardWarning: "このカードは受付の鍵です。登録が済んだら破棄してください。なくしたときは本部でトークンを無効にしてください。",
    cardQr: "登録用QRコード",
    cardFailed: "カードを作れませんでした。",
    print: "印刷する",
    sheet: "事前配布用のパス（A4・印刷用PDF）",
    sheetHelp: "名前のないパスをまとめて印刷し、スマートフォンのない方に配ったり、受付で手渡したりします。受付で読み取れば入所でき、名前などは後で職員が登録します。",
    sheetCount: "枚数（1〜200）",
    sheetMake: "PDFを作る",
    sheetReady: (n) => `${n}枚のパスのPDFができました`,
    sheetDownload: "PDFを開く・保存する",
    sheetFailed: "PDFを作れませんでした。枚数を確かめてください。",
    audit: "個人情報の閲覧・変更の記録（監査ログ）",
    auditHelp: "名簿や世帯の記録を、いつ、どのトークンで見たか・変えたか。記録そのもの（名前など）は残しません。",
    auditRefresh: "最新にする",
    staffLink: "受付デスク（名簿・代理登録）を開く",
    auditEmpty: "まだ記録はありません。",
    auditWhen: "日時", auditWho: "だれ（トークン）", auditWhat: "操作", auditWhere: "避難所", auditHousehold: "世帯",
    auditActions: {
      roster: "名簿を閲覧", read: "世帯の記録を閲覧", card: "名前入りカードを印刷", register: "職員が代理登録",
      correct: "記録を訂正", merge: "記録を統合（残した側）", merged_away: "記録を統合（統合された側）",
      erase: "個人情報を消去", sheet: "事前配布用パスを作成",
    },
  },
  en: {
    title: "Shelter vacancy",
    hqTitle: "Disaster HQ shelter dashboard",
    lead: "Which shelters still have room, right now.",
    register: "Register for a shelter pass before you go (check-in is just a QR code)",
    levels: {
      available: "Available",
      crowded: "Somewhat crowded",
      nearly_full: "Crowded",
      full: "Full",
      closed: "Closed",
    },
    placesLeft: (n) => `${n} places left`,
    occupancy: (o, c) => `${o} / ${c} people`,
    updated: (t) => `Updated ${t}`,
    distance: (km) => `about ${km < 1 ? Math.round(km * 1000) + " m" : km.toFixed(1) + " km"}`,
    useLocation: "Sort by distance from me",
    locating: "Finding your location…",
    locationDenied: "Could not use your location; shown by number.",
    locationOn: "Sorted by distance from you.",
    language: "日本語",
    languageLabel: "日本語に切り替える",
    live: "Live",
    connecting: "Connecting…",
    reconnecting: "Reconnecting…",
    stale: (t) => `Stale since ${t}`,
    changed: (name, level) => `${name} is now "${level}"`,
    map: "Map of shelters",
    list: "Shelters",
    you: "You",
    totals: "All shelters",
    capacity: "Capacity",
    inside: "Inside",
    vacancy: "Room",
    shelters: "Shelter",
    level: "Status",
    trend: "Last 24 h",
    flows: "Arrivals and departures per hour (all shelters)",
    arrivals: "Arrivals",
    departures: "Departures",
    needs: "Special care and pets",
    needsHint: "Sign in with an HQ token to see this.",
    signIn: "Sign in",
    signOut: "Sign out",
    tokenLabel: "HQ (hq) token",
    signedIn: "Signed in as HQ",
    signInFailed: "That token was not accepted.",
    households: "Households",
    people: "People",
    pets: "Pets",
    total: "Total",
    needNames: {
      elderly: "Elderly", disability: "Disability", wheelchair: "Wheelchair",
      pregnant: "Pregnant", infant: "Infants", chronic_illness: "Chronic illness",
      allergy: "Allergy", medical_care: "Medical care", foreign_language: "Other language",
      other: "Other",
    },
    attribution: "A simple map that works offline.",
    cards: "Kiosk enrolment cards",
    cardsHelp: "Make a card that enrols a tablet as a shelter's entrance kiosk. Scanning its QR code with the tablet's camera opens that shelter's check-in screen.",
    cardShelter: "Shelter",
    cardLabel: "Where it stands (e.g. front door)",
    cardMake: "Make a card",
    cardTitle: "Kiosk enrolment card",
    cardSteps: ["Scan this QR code with the tablet's camera", "The page that opens is the check-in kiosk (afterwards just open /kiosk)", "It keeps working offline and sends everything when the network is back"],
    cardWarning: "This card is a key to the entrance. Destroy it once the tablet is enrolled; if it is lost, revoke the token at HQ.",
    cardQr: "Enrolment QR code",
    cardFailed: "Could not make the card.",
    print: "Print",
    sheet: "Pre-printed passes (A4 PDF to print)",
    sheetHelp: "Print passes with no name to hand to people with no smartphone, or at the door. Scanning one checks the person in; staff add the details later.",
    sheetCount: "How many (1–200)",
    sheetMake: "Make the PDF",
    sheetReady: (n) => `A PDF with ${n} passes is ready`,
    sheetDownload: "Open or save the PDF",
    sheetFailed: "Could not make the PDF. Check the number.",
    audit: "Who read or changed personal data (audit log)",
    auditHelp: "When a roster or a household's record was read or changed, and by which token. The data itself (names and so on) is never kept here.",
    auditRefresh: "Refresh",
    staffLink: "Open the staff desk (rosters, registering for others)",
    auditEmpty: "Nothing yet.",
    auditWhen: "When", auditWho: "Who (token)", auditWhat: "What", auditWhere: "Shelter", auditHousehold: "Household",
    auditActions: {
      roster: "Read the roster", read: "Read a household's record", card: "Printed a named card",
      register: "Registered on someone's behalf", correct: "Corrected a record",
      merge: "Merged a record into this one", merged_away: "Merged into another record",
      erase: "Erased personal data", sheet: "Made pre-printed passes",
    },
  },
};

export const LEVEL_ICONS = {
  available: "○", crowded: "△", nearly_full: "▲", full: "✕", closed: "－",
};

export function currentLanguage() {
  const saved = localStorage.getItem("shelter.lang");
  return saved === "en" || saved === "ja" ? saved : "ja";
}

export function setLanguage(lang) {
  localStorage.setItem("shelter.lang", lang);
  document.documentElement.lang = lang;
}

export function clock(iso, lang) {
  const date = new Date(iso);
  return date.toLocaleTimeString(lang === "ja" ? "ja-JP" : "en-GB", { hour12: false });
}

export function shelterName(shelter, lang) {
  return lang === "en" && shelter.name_en ? shelter.name_en : shelter.name;
}

// Tell screen readers when a shelter's level changes (counts change too often to be read).
export function announceLevel(levelsSeen, shelter, lang) {
  const before = levelsSeen.get(shelter.id);
  levelsSeen.set(shelter.id, shelter.level);
  if (before && before !== shelter.level) {
    const words = STRINGS[lang];
    document.getElementById("announcer").textContent = words.changed(
      shelterName(shelter, lang), words.levels[shelter.level]);
  }
}

// The connection indicator: live, connecting, reconnecting, or stale since a time.
export function showStatus(status, lang) {
  const words = STRINGS[lang];
  document.getElementById("status").dataset.state = status.state;
  const since = status.since ? clock(status.since.toISOString(), lang) : "";
  document.getElementById("status-text").textContent =
    status.state === "stale" ? words.stale(since) : words[status.state] || words.connecting;
}
