import { createElement, Fragment, isValidElement, type ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { mentionedUserIds } from "@/lib/mentions";
import { plainText, renderMessage } from "./markdown";

const ADA = "3f2b8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
const BOB = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";
const STRANGER = "00000000-0000-4000-8000-000000000000";
const names = new Map([
  [ADA, "Ada"],
  [BOB, "Bob"],
]);
const resolveMention = (userId: string) => names.get(userId);

function html(body: string, currentUserId?: string): string {
  return renderToStaticMarkup(renderMessage(body, { resolveMention, currentUserId }));
}

/** The paragraph-wrapped rendering of a single line of inline content. */
const p = (inner: string) => `<p>${inner}</p>`;
const a = (href: string, text: string) =>
  `<a class="md-link" href="${href}" rel="noopener noreferrer nofollow" target="_blank">${text}</a>`;

const ALLOWED_TAGS = new Set([
  "p",
  "br",
  "strong",
  "em",
  "del",
  "code",
  "pre",
  "blockquote",
  "ul",
  "ol",
  "li",
  "a",
  "span",
]);
const ALLOWED_ATTRIBUTES = new Set(["class", "href", "rel", "target", "data-language", "start"]);

/** Every tag and attribute in rendered HTML is one the renderer is meant to make, and every href is safe. */
function expectSafeHtml(out: string) {
  for (const [tag, name = "", attributes = ""] of out.matchAll(/<\/?([a-zA-Z][\w-]*)([^>]*)>/g)) {
    if (!ALLOWED_TAGS.has(name.toLowerCase())) throw new Error(`unexpected tag ${tag} in ${out}`);
    for (const [, attribute = "", value = ""] of attributes.matchAll(
      /\s([^\s=/]+)(?:="([^"]*)")?/g,
    )) {
      if (!ALLOWED_ATTRIBUTES.has(attribute)) throw new Error(`unexpected attribute in ${tag}`);
      if (attribute === "href" && !/^(?:https?:\/\/[^/]|mailto:)/.test(value)) {
        throw new Error(`unsafe href in ${tag}`);
      }
    }
  }
}

/** The React tree holds only intrinsic elements we make, and no raw-HTML or event props. */
function expectSafeTree(node: ReactNode) {
  if (Array.isArray(node)) {
    for (const child of node) expectSafeTree(child);
    return;
  }
  if (!isValidElement(node)) return;
  const props = node.props as Record<string, unknown>;
  if (node.type !== Fragment) {
    if (typeof node.type !== "string" || !ALLOWED_TAGS.has(node.type)) {
      throw new Error(`unexpected element ${String(node.type)}`);
    }
    for (const key of Object.keys(props)) {
      if (key === "dangerouslySetInnerHTML" || /^on/i.test(key)) {
        throw new Error(`unexpected prop ${key}`);
      }
    }
  }
  expectSafeTree(props.children as ReactNode);
}

const MENTION_TOKEN = /<@[0-9a-f]{8}-/i;
const ESCAPED_MENTION_TOKEN = /&lt;@[0-9a-f]{8}-/i;

describe("renderMessage: text and emphasis", () => {
  it("renders nothing for an empty or blank body", () => {
    expect(renderMessage("", { resolveMention })).toBeNull();
    expect(html("  \n\t\n ")).toBe("");
  });

  it("renders plain text, emoji included, in a paragraph", () => {
    expect(html("hello there 👋🏽 café")).toBe(p("hello there 👋🏽 café"));
  });

  it("renders bold, italic and strikethrough in both spellings", () => {
    expect(html("**b** __b__ *i* _i_ ~~s~~")).toBe(
      p("<strong>b</strong> <strong>b</strong> <em>i</em> <em>i</em> <del>s</del>"),
    );
  });

  it("nests emphasis", () => {
    expect(html("***both*** *it **bold** it* **b ~~s~~ b**")).toBe(
      p(
        "<em><strong>both</strong></em> <em>it <strong>bold</strong> it</em> <strong>b <del>s</del> b</strong>",
      ),
    );
  });

  it("leaves underscores inside words alone", () => {
    expect(html("snake_case_names and file_name_v2.txt and foo_bar_")).toBe(
      p("snake_case_names and file_name_v2.txt and foo_bar_"),
    );
    expect(html("_leading_ works")).toBe(p("<em>leading</em> works"));
  });

  it("leaves unbalanced or space-surrounded markers as text", () => {
    expect(html("**unclosed and *also")).toBe(p("**unclosed and *also"));
    expect(html("2 * 3 * 4 and a ** b ** c")).toBe(p("2 * 3 * 4 and a ** b ** c"));
    expect(html("~one~ and ~~~three~~~ tildes")).toBe(p("~one~ and ~~~three~~~ tildes"));
  });

  it("takes a backslash-escaped marker literally", () => {
    expect(html("\\*not italic\\* \\_nor\\_ \\`code\\` \\~~strike\\~~")).toBe(
      p("*not italic* _nor_ `code` ~~strike~~"),
    );
    expect(html("a \\ b \\q")).toBe(p("a \\ b \\q"));
  });

  it("breaks lines on a single newline and separates paragraphs on blank lines", () => {
    expect(html("one\ntwo\n\n\nthree")).toBe(`${p("one<br/>two")}${p("three")}`);
    expect(html("one\r\ntwo\rthree")).toBe(p("one<br/>two<br/>three"));
  });
});

describe("renderMessage: code", () => {
  it("keeps inline code literal", () => {
    expect(html("run `npm **test** <b>` now")).toBe(
      p('run <code class="md-code">npm **test** &lt;b&gt;</code> now'),
    );
  });

  it("supports longer backtick runs around backticks, and strips one padding space", () => {
    expect(html("`` a ` b `` and ` `` `")).toBe(
      p('<code class="md-code">a ` b</code> and <code class="md-code">``</code>'),
    );
  });

  it("leaves an unmatched backtick as text", () => {
    expect(html("it`s fine, ``really")).toBe(p("it`s fine, ``really"));
  });

  it("renders a fenced block with its language, whitespace and markup kept", () => {
    const body = "```TypeScript\nconst x = 1;\n\n  if (a < b) **y**;\n```\nafter";
    expect(html(body)).toBe(
      `<pre class="md-pre" data-language="typescript"><code>const x = 1;\n\n  if (a &lt; b) **y**;</code></pre>${p("after")}`,
    );
  });

  it("omits the language when there is none or it is not a plain word", () => {
    expect(html("```\nplain\n```")).toBe('<pre class="md-pre"><code>plain</code></pre>');
    expect(html('```"><img src=x>\nplain\n```')).toBe(
      '<pre class="md-pre"><code>plain</code></pre>',
    );
  });

  it("runs an unclosed fence to the end, and supports tildes and longer fences", () => {
    expect(html("text\n```\n*a*\n\nb")).toBe(
      `${p("text")}<pre class="md-pre"><code>*a*\n\nb</code></pre>`,
    );
    expect(html("~~~\n~~x~~\n~~~")).toBe('<pre class="md-pre"><code>~~x~~</code></pre>');
    expect(html("````md\n```\n````")).toBe(
      '<pre class="md-pre" data-language="md"><code>```</code></pre>',
    );
  });

  it("accepts Slack's fences: on one line, and closed at the end of a line", () => {
    expect(html("```npm test```")).toBe(p('<code class="md-code">npm test</code>'));
    expect(html("```const a = 1;\nrun(a)```\nok")).toBe(
      `<pre class="md-pre"><code>const a = 1;\nrun(a)</code></pre>${p("ok")}`,
    );
  });

  it("shows mentions in code as names, never as the raw token", () => {
    const out = html(`\`<@${ADA}>\`\n\`\`\`\ncc <@${BOB}>\n\`\`\``);
    expect(out).toBe(
      `${p('<code class="md-code">@Ada</code>')}<pre class="md-pre"><code>cc @Bob</code></pre>`,
    );
  });
});

describe("renderMessage: blocks", () => {
  it("renders a multi-line quote with formatting inside, ended by a blank line", () => {
    expect(html("> **note**\n> second `line`\n\nafter")).toBe(
      `<blockquote class="md-quote">${p('<strong>note</strong><br/>second <code class="md-code">line</code>')}</blockquote>${p("after")}`,
    );
  });

  it("ends a quote at the first unquoted line, as chat quotes one line and answers on the next", () => {
    expect(html("> note\nafter")).toBe(
      `<blockquote class="md-quote">${p("note")}</blockquote>${p("after")}`,
    );
    expect(html("> note\n- item")).toBe(
      `<blockquote class="md-quote">${p("note")}</blockquote><ul class="md-list"><li>item</li></ul>`,
    );
  });

  it("nests quotes and holds other blocks in them", () => {
    expect(html(">> deep\n> - item\n>\n> ```\n> code\n> ```")).toBe(
      '<blockquote class="md-quote"><blockquote class="md-quote"><p>deep</p></blockquote>' +
        '<ul class="md-list"><li>item</li></ul><pre class="md-pre"><code>code</code></pre></blockquote>',
    );
  });

  it("renders bullet lists with - or *, and ordered lists with their start", () => {
    expect(html("- one\n- two")).toBe('<ul class="md-list"><li>one</li><li>two</li></ul>');
    // As CommonMark has it, another bullet character starts another list.
    expect(html("- one\n* two")).toBe(
      '<ul class="md-list"><li>one</li></ul><ul class="md-list"><li>two</li></ul>',
    );
    expect(html("1. one\n2. *two*")).toBe(
      '<ol class="md-list"><li>one</li><li><em>two</em></li></ol>',
    );
    expect(html("3) three\n4) four")).toBe(
      '<ol class="md-list" start="3"><li>three</li><li>four</li></ol>',
    );
  });

  it("nests lists indented to the item's text", () => {
    expect(html("- a\n  - b\n    1. c\n- d")).toBe(
      '<ul class="md-list"><li>a<ul class="md-list"><li>b<ol class="md-list"><li>c</li></ol></li></ul></li><li>d</li></ul>',
    );
    expect(html("1. a\n   - b")).toBe(
      '<ol class="md-list"><li>a<ul class="md-list"><li>b</li></ul></li></ol>',
    );
    // "1. " puts the item's text in column 3: two spaces are not inside it.
    expect(html("1. a\n  - b")).toBe(
      '<ol class="md-list"><li>a</li></ol><ul class="md-list"><li>b</li></ul>',
    );
  });

  it("starts a list right after a line of text, but not with a number inside a sentence", () => {
    expect(html("Shopping:\n- eggs\n- milk")).toBe(
      `${p("Shopping:")}<ul class="md-list"><li>eggs</li><li>milk</li></ul>`,
    );
    expect(html("Best year was\n2024. Really")).toBe(p("Best year was<br/>2024. Really"));
  });

  it("wraps items in paragraphs only when blank lines separate them", () => {
    expect(html("- a\n\n- b")).toBe('<ul class="md-list"><li><p>a</p></li><li><p>b</p></li></ul>');
  });

  it("ends a list at a blank line before unindented text, or at a different kind of list", () => {
    expect(html("- a\n\nafter")).toBe(`<ul class="md-list"><li>a</li></ul>${p("after")}`);
    // CommonMark's laziness: an unindented line right after an item continues its text.
    expect(html("- a\nafter")).toBe('<ul class="md-list"><li>a<br/>after</li></ul>');
    expect(html("- a\n1. b")).toBe(
      '<ul class="md-list"><li>a</li></ul><ol class="md-list"><li>b</li></ol>',
    );
  });

  it("does not take emphasis, negative numbers or dashes for list items", () => {
    expect(html("*bold* start")).toBe(p("<em>bold</em> start"));
    expect(html("**bold** start")).toBe(p("<strong>bold</strong> start"));
    expect(html("-5 degrees\n--flag\n---")).toBe(p("-5 degrees<br/>--flag<br/>---"));
  });

  it("takes a lone marker for an empty item, as CommonMark does", () => {
    expect(html("1. a\n2.\n3. b")).toBe('<ol class="md-list"><li>a</li><li></li><li>b</li></ol>');
    expect(html("-\n1.\n*")).toBe(
      '<ul class="md-list"><li></li></ul><ol class="md-list"><li></li></ol><ul class="md-list"><li></li></ul>',
    );
    // An empty item cannot interrupt a paragraph: a reply of "1." under a line stays text.
    expect(html("Which one?\n1.")).toBe(p("Which one?<br/>1."));
  });
});

describe("renderMessage: links", () => {
  it("renders an explicit link with formatted text", () => {
    expect(html("see [the **docs**](https://example.com/docs?a=1&b=2#x)")).toBe(
      p(`see ${a("https://example.com/docs?a=1&amp;b=2#x", "the <strong>docs</strong>")}`),
    );
  });

  it("keeps balanced parentheses in explicit and bare URLs", () => {
    expect(html("[w](https://en.wikipedia.org/wiki/Foo_(bar))")).toBe(
      p(a("https://en.wikipedia.org/wiki/Foo_(bar)", "w")),
    );
    expect(html("https://en.wikipedia.org/wiki/Foo_(bar)")).toBe(
      p(a("https://en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_(bar)")),
    );
  });

  it("unescapes backslash-escaped punctuation in a link target", () => {
    expect(html("[x](https://a.com/\\_b\\_)")).toBe(p(a("https://a.com/_b_", "x")));
  });

  it("shows the URL when a link's text is empty", () => {
    expect(html("[](https://e.com)")).toBe(p(a("https://e.com/", "https://e.com")));
  });

  it("links bare URLs, leaving out trailing punctuation and unbalanced parentheses", () => {
    for (const mark of [".", ",", "!", "?", ":", ";"]) {
      expect(html(`go to https://example.com/a${mark}`)).toBe(
        p(`go to ${a("https://example.com/a", "https://example.com/a")}${mark}`),
      );
    }
    expect(html("(see http://example.com/x)!")).toBe(
      p(`(see ${a("http://example.com/x", "http://example.com/x")})!`),
    );
    expect(html("**https://example.com**")).toBe(
      p(`<strong>${a("https://example.com/", "https://example.com")}</strong>`),
    );
  });

  it("links www., mailto: and <angle> URLs, and keeps the text as typed", () => {
    expect(html("www.example.com/a HTTPS://EXAMPLE.COM mailto:ada@example.com")).toBe(
      p(
        `${a("https://www.example.com/a", "www.example.com/a")} ${a("https://example.com/", "HTTPS://EXAMPLE.COM")} ${a("mailto:ada@example.com", "mailto:ada@example.com")}`,
      ),
    );
    expect(html("<https://example.com/a b>")).toBe(
      p(`&lt;${a("https://example.com/a", "https://example.com/a")} b&gt;`),
    );
    expect(html("<https://example.com/a>")).toBe(
      p(a("https://example.com/a", "https://example.com/a")),
    );
  });

  it("does not link inside words, schemes without a host, or a bare mailto: without an address", () => {
    expect(html("xhttps://example.com http:// https://  mailto:nobody")).toBe(
      p("xhttps://example.com http:// https://  mailto:nobody"),
    );
  });

  it("gives every link rel and target", () => {
    const out = html("[a](https://a.com) https://b.com <mailto:c@d.e> www.f.com");
    const anchors = out.match(/<a /g) ?? [];
    expect(anchors).toHaveLength(4);
    expect(out.match(/rel="noopener noreferrer nofollow" target="_blank"/g)).toHaveLength(4);
  });

  it("does not link inside link text", () => {
    expect(html("[see https://a.com](https://b.com)")).toBe(
      p(a("https://b.com/", "see https://a.com")),
    );
    expect(html("[see <https://a.com>](https://b.com)")).toBe(
      p(a("https://b.com/", "see https://a.com")),
    );
  });

  it("links text that holds brackets, as ticket titles in chat do", () => {
    expect(html("[[JIRA-123] Fix login](https://jira.example.com/browse/JIRA-123)")).toBe(
      p(a("https://jira.example.com/browse/JIRA-123", "[JIRA-123] Fix login")),
    );
  });

  it("takes a title (not rendered) and escaped parentheses in a link target", () => {
    expect(html('[x](https://a.com/b "The title")')).toBe(p(a("https://a.com/b", "x")));
    expect(html("[x](https://a.com/\\(b\\))")).toBe(p(a("https://a.com/(b)", "x")));
    expect(html("[x](<https://a.com/b)>)")).toBe(p(a("https://a.com/b)", "x")));
  });

  it("lets a code span outrank a link", () => {
    expect(html("[not a `link](https://a.com`)")).toBe(
      p('[not a <code class="md-code">link](https://a.com</code>)'),
    );
  });

  it("leaves out emphasis closers after a bare URL", () => {
    expect(html("_see https://a.com/x_")).toBe(
      p(`<em>see ${a("https://a.com/x", "https://a.com/x")}</em>`),
    );
    expect(html("~~https://a.com/x~~")).toBe(
      p(`<del>${a("https://a.com/x", "https://a.com/x")}</del>`),
    );
  });

  it("does not link file names or bare addresses", () => {
    expect(html("see readme.md, run.sh and ada@example.com")).toBe(
      p("see readme.md, run.sh and ada@example.com"),
    );
  });

  const hostileTargets = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "javascript:alert(1) ",
    "\tjavascript:alert(1)",
    "data:text/html,...",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "/relative/path",
    "relative/path",
    "#fragment",
    "//evil.example/x",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java\u0000script:alert(1)",
    "\u0001javascript:alert(1)",
    "\u200Bjavascript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)",
    "javascript&colon;alert(1)",
    "%6Aavascript:alert(1)",
    "javascript%3Aalert(1)",
    "ｊavascript:alert(1)",
    "https:evil.example",
    "http:/evil.example",
    "https://",
    "https:\\\\evil.example",
    "https://exa\u202Emple.com",
    "https://example.com/\u200B",
    "mailto:",
  ];

  it.each(hostileTargets)("renders [x](%j) as inert text", (target) => {
    const out = html(`[x](${target})`);
    expect(out).not.toContain("<a");
    expect(out).toContain("[x](");
    expectSafeHtml(out);
  });

  it.each([
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,x>",
    "<vbscript:msgbox(1)>",
    "<file:///etc/passwd>",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
  ])("does not link %j", (body) => {
    const out = html(body);
    expect(out).not.toContain("<a");
    expectSafeHtml(out);
  });

  it("keeps a rejected link's text formatted and its target literal", () => {
    expect(html("[**x**](javascript:alert(1))")).toBe(
      p("[<strong>x</strong>](javascript:alert(1))"),
    );
    // The rejected target is not searched for bare URLs either.
    expect(html("[x](data:text/html,https://evil.example)")).toBe(
      p("[x](data:text/html,https://evil.example)"),
    );
  });
});

describe("renderMessage: mentions", () => {
  it("shows a mention as @Name in a highlighted span", () => {
    expect(html(`hi <@${ADA}>!`)).toBe(p('hi <span class="mention">@Ada</span>!'));
  });

  it("marks mentions of the current user, whatever the case of either id", () => {
    expect(html(`<@${ADA.toUpperCase()}> <@${BOB}>`, ADA.toUpperCase())).toBe(
      p('<span class="mention mention-me">@Ada</span> <span class="mention">@Bob</span>'),
    );
  });

  it("shows @unknown for an unresolved or blank name, never the id", () => {
    const out = html(`<@${STRANGER}>`);
    expect(out).toBe(p('<span class="mention">@unknown</span>'));
    expect(out).not.toContain(STRANGER);
    const blank = renderToStaticMarkup(renderMessage(`<@${ADA}>`, { resolveMention: () => " " }));
    expect(blank).toBe(p('<span class="mention">@unknown</span>'));
  });

  it("shows markup in a name as text", () => {
    const out = renderToStaticMarkup(
      renderMessage(`<@${ADA}>`, { resolveMention: () => "<img src=x onerror=alert(1)>" }),
    );
    expect(out).toBe(p('<span class="mention">@&lt;img src=x onerror=alert(1)&gt;</span>'));
  });

  it("resolves ids in lowercase", () => {
    const resolve = vi.fn(resolveMention);
    renderToStaticMarkup(renderMessage(`<@${ADA.toUpperCase()}>`, { resolveMention: resolve }));
    expect(resolve).toHaveBeenCalledWith(ADA);
  });

  it("renders mentions inside emphasis, links and quotes", () => {
    expect(html(`> **<@${ADA}>** [ping <@${BOB}>](https://x.com)`)).toBe(
      `<blockquote class="md-quote">${p(
        `<strong><span class="mention">@Ada</span></strong> ${a("https://x.com/", 'ping <span class="mention">@Bob</span>')}`,
      )}</blockquote>`,
    );
  });

  it("renders @channel and @here as mentions of everyone, the reader included", () => {
    expect(html("<!channel> standup; <!here> anyone?")).toBe(
      p(
        '<span class="mention mention-me">@channel</span> standup; <span class="mention mention-me">@here</span> anyone?',
      ),
    );
    expect(plainText("<!here> lunch", resolveMention)).toBe("@here lunch");
    expect(html("<!everyone> <!channel")).toBe(p("&lt;!everyone&gt; &lt;!channel"));
  });

  it("renders a mention even after a backslash", () => {
    expect(html(`\\<@${ADA}>`)).toBe(p('\\<span class="mention">@Ada</span>'));
  });

  it("leaves malformed tokens as text", () => {
    expect(html("<@not-a-uuid> <@> <@3f2b8a4e>")).toBe(
      p("&lt;@not-a-uuid&gt; &lt;@&gt; &lt;@3f2b8a4e&gt;"),
    );
  });
});

describe("renderMessage: raw HTML never reaches the DOM", () => {
  const hostileBodies = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">click</a>',
    "<iframe src=https://evil.example></iframe>",
    "<svg onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '"><img src=x onerror=alert(1)>',
    "**<img src=x onerror=alert(1)>**",
    "[<img src=x onerror=alert(1)>](https://example.com)",
    "> <script>alert(1)</script>",
    "- <img src=x onerror=alert(1)>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "<<script>script>alert(1)<</script>/script>",
    "<IMG SRC=javascript:alert('XSS')>",
    "<img src=x onerror=alert(1)//",
  ];

  it.each(hostileBodies)("shows %j as text", (body) => {
    const out = html(body);
    expectSafeHtml(out);
    expectSafeTree(renderMessage(body, { resolveMention }));
    expect(out).toContain("&lt;");
    expect(out).not.toMatch(/<(img|script|iframe|svg|div)\b/i);
    // Text is escaped, so every "<" left starts a real tag: none carries an event handler.
    expect(out).not.toMatch(/<[^>]*\son\w+=/i);
    expect(out).not.toMatch(/href="javascript:/i);
  });

  it("escapes an <img> tag as text", () => {
    expect(html("<img src=x onerror=alert(1)>")).toBe(p("&lt;img src=x onerror=alert(1)&gt;"));
  });

  it("does not decode entities", () => {
    expect(html("&lt;b&gt; &amp; &#60;")).toBe(p("&amp;lt;b&amp;gt; &amp;amp; &amp;#60;"));
  });

  it.each([
    '[x](https://a.com "\\" onmouseover=\\"alert(1)")',
    '[x](https://a.com/"onmouseover="alert(1))',
    "[x](https://a.com/&quot;onmouseover=&quot;alert(1))",
    '<https://a.com/"onmouseover="alert(1)>',
    'https://a.com/"onmouseover="alert(1)',
    'www.a.com/"onmouseover="alert(1)',
    '```"onmouseover="alert(1)\ncode\n```',
    '```js" onmouseover="alert(1)\ncode\n```',
    '[x](javascript:alert(1) "title")',
    "[x](<javascript:alert(1)>)",
    "[x](javascript&#58;alert(1))",
    "[x]: javascript:alert(1)\n\n[x]",
    "![x](javascript:alert(1))",
    "![x](https://a.com/x.png)",
    "[x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[a](https://a.com)[b](vbscript:msgbox(1))",
    "<a href=https://a.com>x</a>",
  ])("keeps attributes and schemes safe in %j", (body) => {
    const out = html(body);
    expectSafeHtml(out);
    expectSafeTree(renderMessage(body, { resolveMention }));
    expect(out).not.toMatch(/<[^>]*\son\w+=/i);
    expect(out).not.toMatch(/href="(?:javascript|data|vbscript):/i);
    expect(out).not.toMatch(/<(img|script|iframe|svg|div)\b/i);
  });
});

/** Rendered as a component, so React checks keys with an owner, as in the app. */
function Message({ body }: { body: string }) {
  return createElement("div", null, renderMessage(body, { resolveMention }));
}

function Keyless() {
  return createElement("ul", null, [
    createElement("li", null, "a"),
    createElement("li", null, "b"),
  ]);
}

describe("renderMessage: keys", () => {
  let spy: MockInstance<typeof console.error>;
  beforeEach(() => {
    spy = vi.spyOn(console, "error").mockImplementation(() => {});
  });
  afterEach(() => spy.mockRestore());

  it("gives every element in a list a key", () => {
    const body = [
      `**a** _b_ ~~c~~ \`d\` [e](https://e.com) <@${ADA}> https://f.com`,
      "line\nbreak",
      "> quote\n>> nested",
      "- one\n- two\n  - three\n\n1. x\n2. y",
      "```\ncode\n```",
      "[x](javascript:alert(1)) [**y** <@x>](bad)",
    ].join("\n\n");
    renderToStaticMarkup(createElement(Message, { body }));
    expect(spy).not.toHaveBeenCalled();
  });

  it("would notice a missing key (the check above is live)", () => {
    renderToStaticMarkup(createElement(Keyless));
    expect(spy).toHaveBeenCalled();
  });
});

describe("plainText", () => {
  it("drops markup, shows mentions as names and links as their text", () => {
    const body = `**Deploy** is _done_, <@${ADA}>: see [the log](https://x.com) and \`npm test\`\n> quoted\n- one\n- two\n\n\`\`\`\ncode <@${BOB}>\n\`\`\``;
    expect(plainText(body, resolveMention)).toBe(
      "Deploy is done, @Ada: see the log and npm test\nquoted\none\ntwo\ncode @Bob",
    );
  });

  it("keeps what was typed for hostile or rejected input, as plain text", () => {
    expect(plainText("<img src=x onerror=alert(1)>", resolveMention)).toBe(
      "<img src=x onerror=alert(1)>",
    );
    expect(plainText("[x](javascript:alert(1)) https://a.com", resolveMention)).toBe(
      "[x](javascript:alert(1)) https://a.com",
    );
    expect(plainText(`<@${STRANGER}>`, resolveMention)).toBe("@unknown");
    expect(plainText("", resolveMention)).toBe("");
  });
});

describe("mentions and the server", () => {
  it("shows as mentioned only people the server notifies (lib/mentions)", () => {
    const body = `<@${BOB}> hi **<@${ADA.toUpperCase()}>** \`<@${BOB}>\` [x](https://a.com) <@nope>`;
    expect(mentionedUserIds(body)).toEqual([BOB, ADA]);
    const shown = html(body).match(/class="mention[^"]*">@\w+/g) ?? [];
    expect(shown.map((s) => s.replace(/.*@/, ""))).toEqual(["Bob", "Ada"]);
  });
});

/** A small seeded generator, so a failing fuzz case can be reproduced. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  "*",
  "**",
  "_",
  "__",
  "~~",
  "~",
  "`",
  "``",
  "```",
  "```js\n",
  "~~~",
  "\n",
  "\n\n",
  "> ",
  ">",
  "- ",
  "* ",
  "1. ",
  "2) ",
  "  ",
  "\t",
  "[",
  "]",
  "](",
  "(",
  ")",
  "<",
  ">",
  "\\",
  "https://example.com/a_b",
  "www.x.io",
  "mailto:a@b.c",
  "javascript:alert(1)",
  "data:text/html,x",
  "<img src=x onerror=alert(1)>",
  "<script>",
  `<@${ADA}>`,
  `<@${STRANGER}>`,
  "<@",
  "a",
  "word",
  " ",
  ".",
  "!",
  "é",
  "😀",
  "\u200B",
  "\u0000",
  "\r",
];

function fuzzBody(next: () => number): string {
  let body = "";
  const count = Math.floor(next() * 60);
  for (let i = 0; i < count; i++) {
    if (next() < 0.1) {
      body += String.fromCharCode(Math.floor(next() * 0xffff));
    } else {
      body += PIECES[Math.floor(next() * PIECES.length)] ?? "";
    }
  }
  return body;
}

describe("robustness", () => {
  it("never throws, and stays safe, on 3000 random bodies", () => {
    const next = random(20240611);
    for (let n = 0; n < 3000; n++) {
      const body = fuzzBody(next);
      try {
        const tree = renderMessage(body, { resolveMention, currentUserId: ADA });
        expectSafeTree(tree);
        const out = renderToStaticMarkup(tree);
        expectSafeHtml(out);
        expect(out).not.toMatch(ESCAPED_MENTION_TOKEN);
        expect(plainText(body, resolveMention)).not.toMatch(MENTION_TOKEN);
      } catch (error) {
        throw new Error(`body ${JSON.stringify(body)}: ${String(error)}`);
      }
    }
  });

  const pathological: [string, string][] = [
    ["4000 stars", "*".repeat(4000)],
    ["4000 underscores", "_".repeat(4000)],
    ["4000 tildes", "~".repeat(4000)],
    ["4000 backticks", "`".repeat(4000)],
    ["alternating openers", "*a".repeat(2000)],
    ["strong openers", "**a ".repeat(1000)],
    ["closers", "a** ".repeat(1000)],
    ["mixed delimiters", "*_~~".repeat(1000)],
    ["rule of three", "*a**".repeat(1000)],
    ["triple stars", "***a".repeat(1000)],
    ["intraword underscores", "a_".repeat(2000)],
    [
      "backtick runs of every length",
      Array.from({ length: 88 }, (_, i) => "`".repeat(i + 1)).join("a"),
    ],
    ["unmatched code spans", "`a``".repeat(1000)],
    ["open brackets", "[".repeat(4000)],
    ["link openers", "[a](".repeat(1000)],
    ["unterminated links", "[a](x".repeat(800)],
    ["bracket pairs", "](".repeat(2000)],
    ["empty links", "[]()".repeat(1000)],
    ["nested parens", `[a](https://x.com/${"(".repeat(3980)}`],
    ["angles", "<".repeat(4000)],
    ["angle starts", "<a".repeat(2000)],
    ["angle schemes", "<http:a".repeat(570)],
    ["quote markers", ">".repeat(4000)],
    ["spaced quote markers", "> ".repeat(2000)],
    ["quote lines", ">\n".repeat(2000)],
    ["list markers", "- ".repeat(2000)],
    ["ordered markers", "1. ".repeat(1333)],
    [
      "indented list ladder",
      Array.from({ length: 60 }, (_, i) => `${" ".repeat(i * 2)}- a`).join("\n"),
    ],
    ["list lines", "- a\n".repeat(1000)],
    ["loose list", "- a\n\n".repeat(1000)],
    ["schemes", "http://".repeat(570)],
    ["closing parens", `https://x.com/${")".repeat(3980)}`],
    ["www", "www.".repeat(1000)],
    ["fences", "```\n".repeat(1000)],
    ["slack fences", "```a\nb```\n".repeat(400)],
    ["unclosed fences", "```a\nb\n".repeat(500)],
    ["backslashes", "\\".repeat(4000)],
    ["escaped stars", "\\*".repeat(2000)],
    ["newlines", "\n".repeat(4000)],
    ["short lines", "a\n".repeat(2000)],
    ["mentions", `<@${ADA}> `.repeat(100)],
    ["mention starts", "<@".repeat(2000)],
    ["strikes", "~~a".repeat(1333)],
    ["deep strong", `${"**a ".repeat(500)}${"a** ".repeat(500)}`],
  ];

  it.each(pathological)("renders %s quickly", (_, body) => {
    const started = performance.now();
    const out = renderToStaticMarkup(renderMessage(body, { resolveMention }));
    plainText(body, resolveMention);
    const elapsed = performance.now() - started;
    // Generous on purpose: this guards against quadratic or exponential blow-ups, not speed.
    expect(elapsed).toBeLessThan(500);
    expectSafeHtml(out);
  });

  it("caps quote nesting and keeps the rest as text", () => {
    const out = html(">".repeat(4000));
    expect(out.match(/<blockquote/g)).toHaveLength(8);
    expect(out).toContain("&gt;".repeat(100));
  });

  it("caps list nesting", () => {
    const out = html("- ".repeat(2000));
    expect(out.match(/<ul/g)).toHaveLength(8);
  });

  it("caps emphasis nesting and keeps every character", () => {
    const out = html(`${"**a ".repeat(500)}${"b** ".repeat(500)}`);
    expect(out.match(/<strong>/g)).toHaveLength(16);
    const text = out.replace(/<[^>]*>/g, "");
    expect(text.match(/a/g)).toHaveLength(500);
    expect(text.match(/b/g)).toHaveLength(500);
  });
});
