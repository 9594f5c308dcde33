// Streamlit's own English that CSS cannot replace, in Japanese: the words its frontend writes into attributes
// (aria-label, title, placeholder, aria-valuetext, Plotly's data-title: read out by screen readers, shown as tooltips
// and hints) and the texts it writes where a person reads them: a field's 「Press Enter to apply」 (CSS cannot tell it
// from the count of characters beside it, which stays), an empty date or time field's 「yyyy / mm / dd」 and 「HH :
// mm」, a number field's range error, a multiselect's 「Select all」, the keyboard's 「Skip to main content」, a
// table's search, a calendar's words for screen readers. A button's words never repeat its field's label (a password
// field's 「入力を表示」, a help icon's 「ヘルプ」), so the label names the field alone. Injected into every page by
// components.japanese; it runs once per browser page and keeps translating what Streamlit draws afterwards.
// tests/browser/test_crawl.py fails on any of Streamlit's English left on a page, in its text or in these attributes.
// It also mends the markup of Streamlit's that an accessibility rule refuses (MENDS; axe-core, tests/support/axe.py).
// No HTML tag may appear in this file, even in a comment: st.html then drops the whole script.
(() => {
  if (window.daichoJapanese) return;
  window.daichoJapanese = true;

  const WORDS = {
    "Add an option": "入力してください",
    "Add options": "入力してください",
    "App pages": "画面一覧",
    "Autoscale": "自動調整",
    "Choose an option": "選択してください",
    "Choose options": "選択してください",
    "Choose date": "日付を選択",
    "Choose date range": "期間を選択",
    "Choose or add an option": "選択または入力してください",
    "Choose or add options": "選択または入力してください",
    "Clear all": "すべて解除",
    "Clear date": "日付を消去",
    "Clear dates": "日付を消去",
    "Clear selection": "選択を解除",
    "Clear time": "時刻を消去",
    "Clear value": "選択を解除",
    "Close": "閉じる",
    "Close fullscreen": "全画面表示を終了",
    "Close Search": "検索を閉じる",
    "Collapse sidebar": "サイドバーを閉じる",
    "Copy to clipboard": "クリップボードにコピー",
    "Date range": "期間",
    "Decrement": "減らす",
    "Download as CSV": "表示中の行をCSVでダウンロード",
    "Download plot as a PNG": "グラフをPNGでダウンロード",
    "Empty": "空", // an empty date part, as React Aria says it of a time's in Japanese
    "Error": "エラー",
    "Expand sidebar": "サイドバーを開く",
    "file upload": "ファイルのアップロード",
    "Fullscreen": "全画面表示",
    "Help": "ヘルプ",
    "Hide password": "入力を隠す",
    "Increment": "増やす",
    "Link to heading": "見出しへのリンク",
    "Main menu": "メインメニュー",
    "Next month": "翌月",
    "Next page": "次のページ",
    "Next Result": "次の結果",
    "No options to select": "選択できる項目がありません",
    "No options to select.": "選択できる項目がありません",
    "Open": "開く",
    "Pagination": "ページ送り",
    "Pan": "移動",
    "Previous month": "前月",
    "Previous page": "前のページ",
    "Previous Result": "前の結果",
    "progress": "進捗",
    "Quick select a date range": "期間をまとめて選択",
    "Reset axes": "軸をリセット",
    "Running...": "実行中",
    "Stop script": "停止",
    "Search": "表示中の行を検索",
    "Select all": "すべて選択",
    "Select...": "選択してください",
    "Selected values": "選択中の項目",
    "Show password": "入力を表示",
    "Show/hide columns": "列の表示・非表示",
    "Sidebar": "サイドバー",
    "Skip to main content": "本文へ移動",
    "Type to search": "入力して検索",
    "Use arrow keys to navigate dates. Enter to select. Escape to close.":
      "矢印キーで日付を移動し、Enterキーで選択、Escキーで閉じます。",
    "Zoom": "拡大",
    "Zoom in": "ズームイン",
    "Zoom out": "ズームアウト",
    "error icon": "エラー",
    "info icon": "お知らせ",
    "success icon": "完了",
    "warning icon": "警告",
  };
  // Of these, the words Streamlit writes as text (elsewhere a page's own text may be an English word, left alone)
  const TEXTS = new Set([
    "Date range",
    "Error",
    "No options to select.", // a radio without options
    "Select all",
    "Select...",
    "Skip to main content",
    "Type to search",
    "Use arrow keys to navigate dates. Enter to select. Escape to close.",
  ]);
  // A date or time field's parts, by their data-type: named in an aria-label, and shown while empty
  const PARTS = { year: "年", month: "月", day: "日", hour: "時", minute: "分", second: "秒" };
  const RULES = [
    [/^Help for (.+)$/s, () => WORDS.Help], // beside its field's label (which names the field alone, for its readers)
    [/^Page (\d+)$/, (_, page) => `${page}ページ目`],
    [/^(year|month|day|hour|minute), (.+)$/, (_, part, label) => `${label}（${PARTS[part]}）`],
    [/^(.+) (start|end) date$/s, (_, label, end) => `${label}（${end === "start" ? "開始日" : "終了日"}）`],
    [/^Remove (.+)$/s, (_, option) => `${option}を外す`],
    [/^[a-z_]+ icon$/, () => "アイコン"], // a Material icon named by its English name (「notifications icon」)
    [/^(\d+) – [A-Z][a-z]+$/, (_, month) => `${Number(month)}月`], // a date's month as a screen reader hears it
  ];
  // The texts Streamlit writes with a value in them: a field's keyboard hint, a multiselect's options, a table's
  // search, a number's range, a calendar's month
  const TEXT_RULES = [
    [/^Press (?:(.+)\+)?Enter to (apply|submit form)$/, keyHint],
    [/^Select (\d+) matches$/, (_, count) => `一致する${count}件を選択`],
    [/^Add: (.+)$/s, (_, option) => `追加: ${option}`],
    [/^(\d[\d,]*\+?) results?$/, (_, count) => `${count}件`],
    [/^(Error)?(: )?Number is (outside|below|above) the allowed range\.(?: Please enter a value (.+)\.)?$/s, numberRange],
    [/^(Choose date(?: range)?), (.+)$/s, (_, choose, month) => `${WORDS[choose]}、${month}`],
    [/^(Error: )?File must be (.+) or smaller\.$/s, (_, error, size) => `${error ? "エラー: " : ""}ファイルが大きすぎます（${size}まで）`],
    [/^Error:$/, () => "エラー:"],
  ];
  // A file of a kind the uploader does not take: 「Error: application/vnd… files are not allowed.」, said with the
  // kinds it takes (its input's accept, less Streamlit's own application/streamlit)
  // (React may write its 「Error: 」 as a text of its own: 「Error:」 on its own is put in Japanese too)
  const REFUSED_KIND = /^(Error: )?(.*) files are not allowed\.$/s;

  // A field's hint while it holds text not yet sent: 「Press Enter to apply」 (a text area's 「Press Ctrl+Enter to
  // apply」, a form's field's 「Press Enter to submit form」), beside its count of characters
  function keyHint(_, modifier, action) {
    return `${modifier ? `${modifier}+` : ""}Enterキーで${action === "apply" ? "確定" : "送信"}`;
  }

  // A number field's range error: 「Error: Number is outside the allowed range. Please enter a value between 1 and 9.」
  function numberRange(_, error, colon, side, wanted) {
    const lead = (error ? WORDS.Error : "") + (colon || "");
    const between = wanted && wanted.match(/^between (.+) and (.+)$/s);
    const atLeast = wanted && wanted.match(/^greater than or equal to (.+)$/s);
    const atMost = wanted && wanted.match(/^less than or equal to (.+)$/s);
    if (between) return `${lead}${between[1]}〜${between[2]}の範囲で入力してください。`;
    if (atLeast) return `${lead}${atLeast[1]}以上の値を入力してください。`;
    if (atMost) return `${lead}${atMost[1]}以下の値を入力してください。`;
    return `${lead}入力できる範囲を${side === "below" ? "下回って" : "超えて"}います。`;
  }

  const known = (words) => Object.prototype.hasOwnProperty.call(WORDS, words);

  function byRule(text, rules) {
    const rule = rules.find(([pattern]) => pattern.test(text));
    return rule ? text.replace(rule[0], rule[1]) : null;
  }

  // An attribute's words in Japanese, or null for words that are not Streamlit's; a toolbar button's
  // 「Fullscreen: 一覧」 keeps what follows its label.
  function japanese(value) {
    const text = value.trim();
    if (!/[A-Za-z]/.test(text)) return null;
    if (known(text)) return WORDS[text];
    const colon = text.indexOf(": ");
    if (colon > 0 && known(text.slice(0, colon))) return WORDS[text.slice(0, colon)] + text.slice(colon);
    return byRule(text, RULES) || byRule(text, TEXT_RULES);
  }

  // A text's words in Japanese, or null for text that is not Streamlit's own
  function japaneseText(value) {
    const text = value.trim();
    if (!/[A-Za-z]/.test(text)) return null;
    return TEXTS.has(text) ? WORDS[text] : byRule(text, TEXT_RULES);
  }

  const ATTRIBUTES = ["aria-label", "title", "placeholder", "aria-valuetext", "data-title"];
  const SELECTOR = ATTRIBUTES.map((name) => `[${name}]`).join(",");

  function translateAttributes(element) {
    for (const name of ATTRIBUTES) {
      const value = element.getAttribute(name);
      const words = value && japanese(value);
      if (words) element.setAttribute(name, words);
    }
  }

  // An empty date or time field's part, in place of Streamlit's 「yyyy」, 「mm」, 「dd」, 「HH」: 「年」, 「月」…
  // (null for any other text, and for a part already in Japanese)
  function emptyPart(node) {
    const part = node.parentElement;
    const empty = part && part.matches('[role="spinbutton"][data-placeholder]');
    return empty && /[A-Za-z]/.test(node.nodeValue) ? PARTS[part.getAttribute("data-type")] || null : null;
  }

  // A file uploader's refusal of a file's kind (null for any other text)
  function refusedKind(node) {
    const refused = node.nodeValue.trim().match(REFUSED_KIND);
    if (!refused) return null;
    const input = node.parentElement && node.parentElement.closest('[data-testid="stFileUploader"]');
    const accept = input && input.querySelector("input[accept]");
    const kinds = accept ? accept.accept.split(",").filter((kind) => kind.startsWith(".")) : [];
    const taken = kinds.length ? `選べるのは${kinds.join("・")}のファイルです` : "ファイルの種類を確かめてください";
    return `${refused[1] ? "エラー: " : ""}この種類のファイルは受け付けられません（${taken}）`;
  }

  function translateText(node) {
    const words = emptyPart(node) || refusedKind(node) || japaneseText(node.nodeValue);
    if (words) node.nodeValue = node.nodeValue.replace(node.nodeValue.trim(), words);
  }

  // Elements of Streamlit's -> the attributes that make them pass WCAG 2.2 AA
  const MENDS = [
    // The sidebar's page list: a list element holding each section's header and links in a div, so no list at all
    ['[data-testid="stSidebarNavItems"], [data-testid="stSidebarNavItems"] li', { role: "none" }],
    // The file uploader's buttons: the drop zone's, whose words are CSS content (streamlit_ja.css), which gives a
    // button no name; a chosen file's, which takes it away; the one beside it that chooses another, whose English
    // words for screen readers (「add icon」) its name replaces
    ['[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"]', { "aria-label": "ファイルを選択" }],
    ['[data-testid="stFileChipDeleteBtn"] button', { "aria-label": "このファイルを外す" }],
    ['[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-borderlessIcon"]', { "aria-label": "別のファイルを選択" }],
    ['[data-testid="stBaseButton-borderlessIcon"] [data-has-shortcut] > span:first-child', { "aria-hidden": "true" }],
  ];

  function mend(root) {
    for (const [selector, attributes] of MENDS) {
      const found = Array.from(root.querySelectorAll(selector));
      if (root.matches(selector)) found.push(root);
      found.forEach((element) => Object.keys(attributes).forEach((name) => element.setAttribute(name, attributes[name])));
    }
  }

  function translate(root) {
    if (root.nodeType === Node.TEXT_NODE) return translateText(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    mend(root);
    translateAttributes(root);
    root.querySelectorAll(SELECTOR).forEach(translateAttributes);
    const texts = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = texts.nextNode(); node; node = texts.nextNode()) translateText(node);
  }

  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === "childList") record.addedNodes.forEach(translate);
      else if (record.type === "attributes") translateAttributes(record.target);
      else translateText(record.target);
    }
  }).observe(document.body, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    attributeFilter: ATTRIBUTES,
  });
  translate(document.body);
})();
