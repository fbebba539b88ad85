#!/usr/bin/env python3
"""Generate the Japanese decoding test set in samples/japanese/.

    python3 samples/japanese/make_japanese.py          # write the files
    python3 samples/japanese/make_japanese.py --check  # verify the files
    python3 samples/japanese/make_japanese.py --list   # what each file is

Every message is written by us for this project (no third-party mail is
copied).  They imitate what Japanese senders really produce -- carrier
phones, Outlook/Exchange, Notes/Domino, Gmail, Yahoo! JAPAN, Thunderbird,
Apple Mail, Becky!, bounces -- plus header and body encoding edge cases.

Output: samples/japanese/NNN-short-name.eml and samples/japanese/expected.json
(what a mail client shows as Subject and From display name, and short
substrings of the decoded body), plus README.md.  The output is fully
deterministic: fixed dates in November 2026 (+0900), fixed Message-IDs,
no clock, no randomness, no zlib, so re-running the script reproduces
every file byte for byte.  Only the Python 3 standard library is used.

Messages are built with "\\n" line ends and written with CRLF, except the
cases about line ends.  Helpers follow samples/make_samples.py.

--check re-generates in memory and compares with the files on disk, then
parses every file twice: with Python's email package
(policy=email.policy.default), skipping the values Python is known to get
wrong (listed with the reason), and with the reference decoder at the end
of this file, which applies the rules expected.json is written against
(adjacent encoded words joined, bytes of same-charset words concatenated
before decoding, charset aliases, lenient base64, CP50220/CP932
extensions, raw 8-bit and raw JIS headers).
"""

import base64
import datetime
import email
import email.policy
import email.utils
import hashlib
import html
import html.parser
import json
import quopri
import re
import sys
import unicodedata
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent
JST = datetime.timezone(datetime.timedelta(hours=9))

ESC_JIS = b"\x1b$B"
ESC_JIS78 = b"\x1b$@"
ESC_ASCII = b"\x1b(B"
ESC_ROMAN = b"\x1b(J"
ESC_KANA = b"\x1b(I"

# Characters whose mapping differs between CP932 (Outlook) and the WHATWG /
# JIS tables (Thunderbird), e.g. WAVE DASH vs FULLWIDTH TILDE: a client
# could legitimately show either, so no text of this set may contain them.
AMBIGUOUS = "\u301c\uff5e\u2212\uff0d\u2016\u2225\u00a2\u00a3\u00ac\uffe0\uffe1\uffe2\u2014\u2015"

# A valid 1x1 white RGBA PNG and a 1x1 GIF, embedded literally.
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR42mP4DwQACfsD"
    "/Wj6HMwAAAAASUVORK5CYII=")
GIF_1X1 = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")
FAKE_PDF = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n"
            b"endobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
            b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


# ---------------------------------------------------------------------------
# encoders
# ---------------------------------------------------------------------------

def sjis_to_jis(pair):
    """Two Shift_JIS bytes -> the two JIS X 0208 bytes of the same cell."""
    s1, s2 = pair
    if s1 >= 0xE0:
        s1 -= 0x40
    j1 = (s1 - 0x81) * 2 + 0x21
    if s2 >= 0x9F:
        j1 += 1
        j2 = s2 - 0x7E
    else:
        j2 = s2 - 0x1F if s2 < 0x80 else s2 - 0x20
    return bytes([j1, j2])


def jis_to_sjis(pair):
    j1, j2 = pair
    s1 = ((j1 + 1) >> 1) + (0x70 if j1 <= 0x5E else 0xB0)
    if j1 & 1:
        s2 = j2 + 0x1F + (1 if j2 >= 0x60 else 0)
    else:
        s2 = j2 + 0x7E
    return bytes([s1, s2])


def _jis_pair(ch):
    """JIS X 0208 cell of ch, including the NEC row 13 and NEC-selected IBM
    extension cells (rows 89-92) that CP50220 / ISO-2022-JP-MS emit and the
    plain 'iso2022_jp' codec refuses."""
    try:
        enc = ch.encode("iso2022_jp")
        if enc.startswith(ESC_JIS) and enc.endswith(ESC_ASCII) and len(enc) == 8:
            return enc[3:5]
    except UnicodeEncodeError:
        pass
    sj = ch.encode("cp932")  # cp932 picks the NEC-selected code (e.g. 髙 EEE0)
    if len(sj) != 2:
        raise ValueError("no JIS cell for %r" % ch)
    pair = sjis_to_jis(sj)
    if not (pair[0] == 0x2D or 0x79 <= pair[0] <= 0x7C):
        raise ValueError("not an extension character: %r" % ch)
    return pair


def jis(text, roman=False, jis78=False):
    """ISO-2022-JP (CP50220 flavour): JIS X 0208 + NEC/IBM extension cells,
    half-width katakana as ESC ( I.  Returns to ASCII (or JIS Roman when
    roman=True) before every ASCII character and at the end."""
    out = bytearray()
    mode = "ascii"
    to_ascii = ESC_ROMAN if roman else ESC_ASCII
    to_jis = ESC_JIS78 if jis78 else ESC_JIS
    for ch in text:
        if ord(ch) < 0x80:
            if mode != "ascii":
                out += to_ascii
                mode = "ascii"
            out += ch.encode("ascii")
        elif "\uff61" <= ch <= "\uff9f":
            if mode != "kana":
                out += ESC_KANA
                mode = "kana"
            out.append(ord(ch) - 0xFF61 + 0x21)
        else:
            if mode != "jis":
                out += to_jis
                mode = "jis"
            out += _jis_pair(ch)
    if mode != "ascii":
        out += to_ascii
    return bytes(out)


def _ibm_sjis():
    """Windows writes the IBM extension kanji (髙 﨑 ...) with their IBM
    codes FA40-FC4B, while Python's cp932 encoder picks the NEC-selected
    duplicates ED40-EEFC; map to the IBM codes so Shift_JIS samples look
    like what Windows sends (the JIS samples use the NEC-selected cells)."""
    table = {}
    for lead in (0xFA, 0xFB, 0xFC):
        for trail in range(0x40, 0xFD):
            code = bytes([lead, trail])
            try:
                ch = code.decode("cp932")
            except UnicodeDecodeError:
                continue
            if ch.encode("cp932")[0] in (0xED, 0xEE):
                table[ch] = code
    return table


IBM_SJIS = _ibm_sjis()


def enc(text, codec):
    """Encode Japanese text with one of our codec names."""
    bad = [c for c in text if c in AMBIGUOUS]
    if bad:
        raise ValueError("ambiguous character %r in %r" % (bad[0], text))
    if codec == "jis":
        return jis(text)
    if codec == "sjis":
        return b"".join(IBM_SJIS.get(ch) or ch.encode("cp932") for ch in text)
    if codec == "euc":
        return text.encode("euc_jp")
    if codec == "utf8":
        return text.encode("utf-8")
    if codec == "utf7":
        return text.encode("utf-7")
    raise ValueError(codec)


CHARSET_OF = {"jis": "ISO-2022-JP", "sjis": "Shift_JIS", "euc": "EUC-JP",
              "utf8": "UTF-8", "utf7": "UTF-7"}


def b(s):
    """str -> ASCII bytes (raises on accidental non-ASCII); bytes pass through."""
    if isinstance(s, bytes):
        return s
    return s.encode("ascii")


def b64s(raw):
    return base64.b64encode(raw).decode("ascii")


def q_encode(raw):
    """Conservative RFC 2047 'Q' encoding: only letters and digits literal."""
    out = []
    for byte in raw:
        c = chr(byte)
        if c.isascii() and c.isalnum():
            out.append(c)
        elif c == " ":
            out.append("_")
        else:
            out.append("=%02X" % byte)
    return "".join(out)


def q_encode_loose(raw):
    """'Q' as old Japanese mailers write it: every printable ASCII byte
    literal except = ? _ and space (so JIS escapes read =1B$B ... =1B(B)."""
    out = []
    for byte in raw:
        if 0x21 <= byte <= 0x7E and chr(byte) not in "=?_":
            out.append(chr(byte))
        else:
            out.append("=%02X" % byte)
    return "".join(out)


def ew(text, codec="utf8", charset=None, mode="B", maxlen=60, sep="\n "):
    """RFC 2047 encode text, splitting on character boundaries so that each
    encoded word stays short; words are folded onto continuation lines."""
    charset = charset or CHARSET_OF[codec]

    def one(chunk):
        raw = enc(chunk, codec)
        payload = b64s(raw) if mode.upper() == "B" else q_encode(raw)
        return "=?%s?%s?%s?=" % (charset, mode, payload)

    words, cur = [], ""
    for ch in text:
        if cur and len(one(cur + ch)) > maxlen:
            words.append(one(cur))
            cur = ch
        else:
            cur += ch
    words.append(one(cur))
    return sep.join(words)


def ewj(text, **kw):
    return ew(text, "jis", **kw)


def named(name, addr, codec="utf8", **kw):
    return "%s <%s>" % (ew(name, codec, maxlen=200, **kw), addr)


def b64body(raw):
    return base64.encodebytes(raw)  # 76-char lines, "\n" terminated


def b64text(raw):
    """base64 for text content: encode the canonical CRLF form (RFC 2045)."""
    return b64body(raw.replace(b"\n", b"\r\n"))


def qpbody(raw):
    out = quopri.encodestring(raw)
    if not out.endswith(b"\n"):
        out += b"\n"
    return out


def text(s, codec="utf8"):
    """Body text -> bytes, guaranteed to end with a newline."""
    if not s.endswith("\n"):
        s += "\n"
    return enc(s, codec)


def transfer(raw, cte):
    cte = cte.lower()
    if cte in ("7bit", "8bit"):
        return raw
    if cte == "base64":
        return b64text(raw)
    if cte == "quoted-printable":
        return qpbody(raw)
    raise ValueError(cte)


def build(headers, body=b""):
    """Header lines (str or bytes, may contain '\\n ' folds) + blank line +
    body.  Used for whole messages and for MIME body parts alike."""
    return b"".join(b(h) + b"\n" for h in headers) + b"\n" + body


def part(ctype, cte, raw, extra=()):
    return build(["Content-Type: " + ctype,
                  "Content-Transfer-Encoding: " + cte, *extra], transfer(raw, cte))


def quote_cs(codec):
    return {"jis": '"ISO-2022-JP"', "sjis": '"Shift_JIS"', "euc": '"EUC-JP"',
            "utf8": '"UTF-8"'}[codec]


def multipart(boundary, parts, preamble=b"", epilogue=b""):
    out = bytearray(preamble)
    for p in parts:
        out += b"--" + b(boundary) + b"\n" + p
    out += b"--" + b(boundary) + b"--\n" + epilogue
    return bytes(out)


def hexid(*parts, n=32):
    return hashlib.sha1("/".join(parts).encode("utf-8")).hexdigest()[:n]


# ---------------------------------------------------------------------------
# HTML flavours of a plain-text body (one line -> one text node)
# ---------------------------------------------------------------------------

def esc(line):
    return html.escape(line, quote=False)


OUTLOOK_HEAD = """\
<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=%s">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<style><!--
/* Font Definitions */
@font-face
	{font-family:"Cambria Math";
	panose-1:2 4 5 3 5 4 6 3 2 4;}
@font-face
	{font-family:游ゴシック;
	panose-1:2 11 4 0 0 0 0 0 0 0;}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin:0mm;
	text-align:justify;
	text-justify:inter-ideograph;
	font-size:10.5pt;
	font-family:游ゴシック;}
a:link, span.MsoHyperlink
	{mso-style-priority:99;
	color:#0563C1;
	text-decoration:underline;}
span.EmailStyle17
	{mso-style-type:personal-compose;
	font-family:游ゴシック;
	color:windowtext;}
.MsoChpDefault
	{mso-style-type:export-only;
	font-family:游ゴシック;}
/* Page Definitions */
@page WordSection1
	{size:612.0pt 792.0pt;
	margin:99.25pt 30.0mm 30.0mm 30.0mm;}
div.WordSection1
	{page:WordSection1;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]--><!--[if gte mso 9]><xml>
<o:shapelayout v:ext="edit">
<o:idmap v:ext="edit" data="1" />
</o:shapelayout></xml><![endif]-->
</head>
<body lang=JA link="#0563C1" vlink="#954F72" style='word-wrap:break-word;text-justify-trim:punctuation'>
<div class=WordSection1>
"""


def outlook_spans(line):
    """Word wraps runs of ASCII letters/digits in <span lang=EN-US>, which
    splits a line into several text nodes."""
    out = []
    for run in re.split(r"([ -~]*[0-9A-Za-z][ -~]*)", line):
        if not run:
            continue
        if re.search(r"[0-9A-Za-z]", run) and run.isascii():
            out.append("<span lang=EN-US>%s</span>" % esc(run))
        else:
            out.append(esc(run))
    return "".join(out)


def outlook_html(body, charset, image_cid=None):
    paras = []
    if image_cid:
        paras.append('<p class=MsoNormal><span lang=EN-US><img width=120 height=40 '
                     'style=\'width:1.25in;height:.4166in\' id="_x0000_i1025" '
                     'src="cid:%s" alt="logo"></span><o:p></o:p></p>' % image_cid)
    for line in body.rstrip("\n").split("\n"):
        if not line.strip():
            paras.append("<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>")
        else:
            paras.append("<p class=MsoNormal>%s<o:p></o:p></p>" % outlook_spans(line))
    return OUTLOOK_HEAD % charset + "\n".join(paras) + "\n</div>\n</body>\n</html>\n"


def gmail_html(body):
    lines = body.rstrip("\n").split("\n")
    out = ['<div dir="ltr">' + esc(lines[0])]
    for line in lines[1:]:
        out.append("<div>%s</div>" % (esc(line) if line.strip() else "<br>"))
    return "".join(out) + "</div>\n"


def gmail_reply_html(body, attribution, quoted):
    qlines = "".join("%s<br>" % esc(q) for q in quoted.rstrip("\n").split("\n"))
    return (gmail_html(body).rstrip("\n")
            + '<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
            + esc(attribution) + '<br></div><blockquote class="gmail_quote" '
            'style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);'
            'padding-left:1ex">' + qlines + "</blockquote></div>\n")


def apple_html(body, charset="utf-8"):
    lines = body.rstrip("\n").split("\n")
    divs = "".join("<div>%s</div>" % (esc(l) if l.strip() else "<br>") for l in lines)
    return ('<html><head><meta http-equiv="content-type" content="text/html; charset=%s">'
            '</head><body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; '
            'line-break: after-white-space;">%s</body></html>\n' % (charset, divs))


def notes_html(body, image_cid=None):
    out = ['<html><body>']
    if image_cid:
        out.append('<img src=cid:%s alt="">' % image_cid)
    for line in body.rstrip("\n").split("\n"):
        out.append('<font size=2 face="sans-serif">%s</font><br>' % esc(line))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def simple_html(body, charset, title=None):
    paras = "\n".join("<p>%s</p>" % esc(l) if l.strip() else "<br>"
                      for l in body.rstrip("\n").split("\n"))
    head = '<meta http-equiv="Content-Type" content="text/html; charset=%s">' % charset
    if title:
        head += "\n<title>%s</title>" % esc(title)
    return "<html>\n<head>\n%s\n</head>\n<body>\n%s\n</body>\n</html>\n" % (head, paras)


# ---------------------------------------------------------------------------
# flowed text (RFC 3676)
# ---------------------------------------------------------------------------

def flowed(body, width=30, delsp=True):
    """Soft-wrap lines longer than width characters.  With delsp=yes the
    break goes anywhere and the trailing space is deleted on reflow;
    space-stuff lines that start with a space or 'From '."""
    out = []
    for line in body.rstrip("\n").split("\n"):
        if line == "-- ":
            out.append(line)
            continue
        prefix = ""
        m = re.match(r"(>+ ?)", line)
        if m:
            prefix, line = m.group(1), line[len(m.group(1)):]
        chunks = [line[i:i + width] for i in range(0, len(line), width)] or [""]
        for i, chunk in enumerate(chunks):
            l = prefix + chunk
            if not prefix and (l.startswith(" ") or l.startswith("From ")):
                l = " " + l
            out.append(l + (" " if i < len(chunks) - 1 else ""))
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# the registry
# ---------------------------------------------------------------------------

CASES = []


class Ctx:
    def __init__(self, num, short):
        self.num = num
        self.short = short
        i = num - 1
        self.day = 2 + i // 5
        self.hour = 8 + (i * 3) % 10
        self.minute = (i * 17) % 60
        self.second = (i * 29) % 60
        dt = datetime.datetime(2026, 11, self.day, self.hour, self.minute,
                               self.second, tzinfo=JST)
        self.dt = dt
        self.date = email.utils.format_datetime(dt)

    def earlier(self, minutes):
        return email.utils.format_datetime(self.dt - datetime.timedelta(minutes=minutes))

    def mid(self, domain="mail.example.co.jp"):
        return "<%s.%03d.20261101@%s>" % (self.short, self.num, domain)

    def mid_ts(self, domain):
        return "<%s.%s@%s>" % (self.dt.strftime("%Y%m%d%H%M%S"),
                               hexid(self.short, n=8).upper(), domain)

    def hx(self, n=32, salt=""):
        return hexid(self.short, salt, n=n)


def case(short, source, subject, from_name, body, eol="crlf", py=None):
    """Register a case.  py maps 'subject' / 'from' / 'body' to the reason
    Python's email package is expected to get that value wrong."""
    def deco(fn):
        CASES.append(dict(short=short, source=source, subject=subject,
                          from_name=from_name, body=list(body), fn=fn,
                          eol=eol, py=py or {}, desc=(fn.__doc__ or "").strip()))
        return fn
    return deco


def head(c, subject, frm, to="soumu@city.example.lg.jp", extra=(), mid=None,
         mime=True, cc=None):
    """Standard top-level headers; subject and frm are header values
    (str, or bytes when raw)."""
    h = ["Date: " + c.date,
         (b"From: " + frm) if isinstance(frm, bytes) else "From: " + frm,
         "To: " + to]
    if cc:
        h.append("Cc: " + cc)
    h += [(b"Subject: " + subject) if isinstance(subject, bytes) else "Subject: " + subject,
          "Message-ID: " + (mid or c.mid())]
    h += list(extra)
    if mime:
        h.append("MIME-Version: 1.0")
    return h


def single(headers, body, codec, cte, subtype="plain", params=""):
    ctype = "text/%s; charset=%s%s" % (subtype, quote_cs(codec), params)
    return build(headers + ["Content-Type: " + ctype,
                            "Content-Transfer-Encoding: " + cte],
                 transfer(text(body, codec), cte))


def alternative(headers, boundary, plain, htmlp, preamble=b""):
    headers = headers + ['Content-Type: multipart/alternative;\n\tboundary="%s"' % boundary]
    return build(headers, multipart(boundary, [plain, htmlp], preamble=preamble))


# ---------------------------------------------------------------------------
# shared addresses
# ---------------------------------------------------------------------------

SOUMU = "soumu@city.example.lg.jp"
KIKAKU = "kikaku@city.example.lg.jp"
BOUSAI = "bousai@city.example.lg.jp"
KEIYAKU = "keiyaku@city.example.lg.jp"
JOHO = "johoseisaku@city.example.lg.jp"
TARO = "taro.yamada@city.example.lg.jp"


# ===========================================================================
# docomo
# ===========================================================================

DOCOMO = "docomo.example.ne.jp"


@case("docomo-sjis-8bit", "docomo", "防災訓練の集合時間", "山田 太郎",
      ["明日の防災訓練ですが", "市民体育館の駐車場に集合"])
def _(c):
    """docomo spモードメール: Shift_JIS 8bit body, ISO-2022-JP B Subject and From name"""
    body = """\
総務課 佐藤様

お疲れ様です。山田です。
明日の防災訓練ですが、集合時間が8時30分に変更になりました。
市民体育館の駐車場に集合してください。
雨天の場合は体育館の中で実施します。

山田
"""
    h = head(c, ewj("防災訓練の集合時間"), named("山田 太郎", "t-yamada.0815@" + DOCOMO, "jis"),
             mid=c.mid_ts(DOCOMO))
    return single(h, body, "sjis", "8bit")


@case("docomo-sjis-base64", "docomo", "会議に少し遅れます", "伊藤 美咲",
      ["電車が遅れているため", "資料は机の上に置いて"])
def _(c):
    """docomo: Shift_JIS body in base64, Subject and From as Shift_JIS B words"""
    body = """\
お疲れ様です。伊藤です。
電車が遅れているため、10時からの会議に15分ほど遅れます。
資料は机の上に置いてありますので、先に始めてください。
"""
    h = head(c, ew("会議に少し遅れます", "sjis"), named("伊藤 美咲", "misaki-ito@" + DOCOMO, "sjis"),
             to=KIKAKU, mid=c.mid_ts(DOCOMO))
    return single(h, body, "sjis", "base64")


@case("docomo-jis-7bit", "docomo", "住民票の受け取りについて", "中村 由美",
      ["住民票の写しを受け取りに", "委任状を持参すれば"])
def _(c):
    """docomo: ISO-2022-JP 7bit body and headers, the classic form"""
    body = """\
市民課 ご担当者様

先日電話でお問い合わせした中村です。
明日の午後、母の住民票の写しを受け取りに伺います。
委任状を持参すれば代理で受け取れると伺いましたが、
本人確認書類は私の運転免許証でよろしいでしょうか。

よろしくお願いいたします。
中村
"""
    h = head(c, ewj("住民票の受け取りについて"), named("中村 由美", "yumi.n-77@" + DOCOMO, "jis"),
             to="shimin@city.example.lg.jp", mid=c.mid_ts(DOCOMO))
    return single(h, body, "jis", "7bit")


@case("docomo-sjis-hankaku", "docomo", "ｼｽﾃﾑ停止の連絡", "渡辺 健太",
      ["ｼｽﾃﾑﾒﾝﾃﾅﾝｽ", "ﾃﾞｰﾀﾍﾞｰｽの切替作業", "本日の作業は予定どおり"])
def _(c):
    """docomo: Shift_JIS 8bit with half-width katakana (single-byte 0xA1-0xDF) in body and Subject; must come back half-width"""
    body = """\
情報政策課 各位

渡辺です。外出先から失礼します。
本日の作業は予定どおり実施します。
22時からｼｽﾃﾑﾒﾝﾃﾅﾝｽのため、庁内ﾈｯﾄﾜｰｸが停止します。
ﾃﾞｰﾀﾍﾞｰｽの切替作業は23時頃に完了予定です。
"""
    h = head(c, ew("ｼｽﾃﾑ停止の連絡", "sjis"), named("渡辺 健太", "kenta.w@" + DOCOMO, "sjis"),
             to=JOHO, mid=c.mid_ts(DOCOMO))
    return single(h, body, "sjis", "8bit")


@case("docomo-sjis-qp", "docomo", "公民館の使用申請", "小林 誠",
      ["公民館の和室を使用したい", "申請書はどちらで"])
def _(c):
    """docomo: Shift_JIS body in quoted-printable (every byte above 0x7F as =XX, ASCII-range trail bytes literal)"""
    body = """\
生涯学習課 ご担当者様

地区自治会の小林と申します。
12月12日(土)の午後に、公民館の和室を使用したいと考えております。
申請書はどちらで受け取ればよいでしょうか。
表彰式の準備で机も10台ほど使わせていただきたいです。

小林
"""
    h = head(c, ewj("公民館の使用申請"), named("小林 誠", "kobayashi-m@" + DOCOMO, "jis"),
             to="shogai@city.example.lg.jp", mid=c.mid_ts(DOCOMO))
    return single(h, body, "sjis", "quoted-printable")


@case("docomo-sjis-nec-ext", "docomo", "打合せ資料の件", "加藤 直子",
      ["資料は次の2点です", "㈱例示設計との打合せ", "①工程表(№12)"],
      py={"body": "Python's shift_jis codec rejects NEC row 13 codes (a Shift_JIS label means CP932 in practice)"})
def _(c):
    """docomo: Shift_JIS 8bit body with NEC row 13 characters (① ② ㈱ №), labelled Shift_JIS: must decode as CP932"""
    body = """\
お疲れ様です。加藤です。
明日の㈱例示設計との打合せですが、
資料は次の2点です。
①工程表(№12)
②配置図
印刷をお願いできますでしょうか。
"""
    h = head(c, ewj("打合せ資料の件"), named("加藤 直子", "naoko.k@" + DOCOMO, "jis"),
             to="kensetsu@city.example.lg.jp", mid=c.mid_ts(DOCOMO))
    return single(h, body, "sjis", "8bit")


@case("docomo-bare-from-jis-base64", "docomo", "不在のお知らせ", "",
      ["本日は休暇をいただいて", "急ぎの案件は係長まで"])
def _(c):
    """docomo: From is a bare address (no display name); ISO-2022-JP body in base64"""
    body = """\
お疲れ様です。吉田です。
本日は休暇をいただいております。
急ぎの案件は係長までご連絡ください。
"""
    h = head(c, ewj("不在のお知らせ"), "osamu-yoshida@" + DOCOMO, to="zeimu@city.example.lg.jp",
             mid=c.mid_ts(DOCOMO))
    return single(h, body, "jis", "base64")


@case("docomo-reply-quote", "docomo", "Re: 入札説明会の日程", "山本 和也",
      ["説明会に参加いたします", "会場の場所を確認させて"])
def _(c):
    """docomo: reply with ASCII 'Re: ' then an ISO-2022-JP word; quoted lines with '>'"""
    body = """\
契約課 ご担当者様

山本建設の山本です。
11月26日の説明会に参加いたします。
会場の場所を確認させてください。

> 入札説明会は11月26日(木)14時から開催します。
> 参加される場合はご連絡ください。
"""
    h = head(c, "Re: " + ewj("入札説明会の日程"),
             named("山本 和也", "yamamoto-kensetsu@" + DOCOMO, "jis"),
             to=KEIYAKU, mid=c.mid_ts(DOCOMO),
             extra=["In-Reply-To: <nyusatsu-20261110@city.example.lg.jp>"])
    return single(h, body, "sjis", "8bit")


# ===========================================================================
# au (ezweb)
# ===========================================================================

EZWEB = "ezweb.example.ne.jp"


@case("au-jis-7bit", "au", "了解しました", "松本 恵",
      ["了解しました", "明日の朝一番で伺います"])
def _(c):
    """au ezweb: short ISO-2022-JP 7bit body"""
    body = """\
了解しました。
明日の朝一番で伺います。
松本
"""
    h = head(c, ewj("了解しました"), named("松本 恵", "megumi.m@" + EZWEB, "jis"),
             to=SOUMU, mid=c.mid_ts(EZWEB))
    return single(h, body, "jis", "7bit")


@case("au-sjis-8bit", "au", "道路の陥没について", "井上 大輔",
      ["道路に穴が開いています", "通行に危険です"])
def _(c):
    """au: Shift_JIS 8bit short report from a resident"""
    body = """\
市役所 道路課様
東町3丁目の交差点付近で道路に穴が開いています。
夜は暗くて通行に危険です。
早めの対応をお願いします。
井上
"""
    h = head(c, ew("道路の陥没について", "sjis"), named("井上 大輔", "d-inoue@" + EZWEB, "sjis"),
             to="doro@city.example.lg.jp", mid=c.mid_ts(EZWEB))
    return single(h, body, "sjis", "8bit")


@case("au-jis-base64", "au", "ごみ収集日の確認", "林 優子",
      ["年末のごみ収集は", "何日まででしょうか"])
def _(c):
    """au: ISO-2022-JP body in base64"""
    body = """\
環境課 ご担当者様
年末のごみ収集は何日まででしょうか。
地区の回覧板に載せたいので教えてください。
林
"""
    h = head(c, ewj("ごみ収集日の確認"), named("林 優子", "hayashi.yk@" + EZWEB, "jis"),
             to="kankyo@city.example.lg.jp", mid=c.mid_ts(EZWEB))
    return single(h, body, "jis", "base64")


@case("au-sjis-base64-hankaku", "au", "ｲﾍﾞﾝﾄの件", "清水 隆",
      ["ｲﾍﾞﾝﾄﾁﾗｼ", "ﾎﾟｽﾀｰは明日届けます"])
def _(c):
    """au: Shift_JIS base64 body with half-width katakana incl. voiced marks (ﾍﾞ ﾎﾟ)"""
    body = """\
子育て支援ｾﾝﾀｰ 様
清水です。
ｲﾍﾞﾝﾄﾁﾗｼの原稿を確認しました。
ﾎﾟｽﾀｰは明日届けます。
"""
    h = head(c, ew("ｲﾍﾞﾝﾄの件", "sjis"), named("清水 隆", "t.shimizu@" + EZWEB, "sjis"),
             to="kosodate@city.example.lg.jp", mid=c.mid_ts(EZWEB))
    return single(h, body, "sjis", "base64")


@case("au-jis-bare-from", "au", "欠席します", "",
      ["本日の研修は欠席します", "体調不良のため"])
def _(c):
    """au: bare From address, very short ISO-2022-JP body"""
    body = """\
体調不良のため、本日の研修は欠席します。
申し訳ありません。
"""
    h = head(c, ewj("欠席します"), "yamaguchi.mari@" + EZWEB, to="jinji@city.example.lg.jp",
             mid=c.mid_ts(EZWEB))
    return single(h, body, "jis", "7bit")


@case("au-sjis-qp", "au", "避難所の開設状況", "森 浩二",
      ["避難所は開設されて", "ペットを連れて行けますか"])
def _(c):
    """au: Shift_JIS quoted-printable"""
    body = """\
危機管理課 様
台風の接近に伴い、西小学校の避難所は開設されていますか。
ペットを連れて行けますか。
森
"""
    h = head(c, ewj("避難所の開設状況"), named("森 浩二", "mori-koji@" + EZWEB, "jis"),
             to=BOUSAI, mid=c.mid_ts(EZWEB))
    return single(h, body, "sjis", "quoted-printable")


@case("au-jis-re-re", "au", "Re: Re: 議事録の確認", "池田 彩",
      ["議事録を確認しました", "修正点はありません"])
def _(c):
    """au: 'Re: Re: ' in ASCII followed by an ISO-2022-JP encoded word"""
    body = """\
議事録を確認しました。
修正点はありません。
池田
"""
    h = head(c, "Re: Re: " + ewj("議事録の確認"), named("池田 彩", "aya.ikeda@" + EZWEB, "jis"),
             to=KIKAKU, mid=c.mid_ts(EZWEB))
    return single(h, body, "jis", "7bit")


# ===========================================================================
# SoftBank
# ===========================================================================

SB = "softbank.example.ne.jp"
ISB = "i.softbank.example.jp"


@case("softbank-utf8-base64", "softbank", "健康診断の日程変更", "木村 三郎",
      ["健康診断の日程を変更", "来週の水曜日でも"])
def _(c):
    """SoftBank: UTF-8 body in base64, UTF-8 B Subject"""
    body = """\
人事課 ご担当者様

木村です。
出張と重なったため、健康診断の日程を変更していただけますか。
来週の水曜日でも構いません。

木村
"""
    h = head(c, ew("健康診断の日程変更"), named("木村 三郎", "saburo.k@" + SB),
             to="jinji@city.example.lg.jp", mid=c.mid_ts(SB))
    return single(h, body, "utf8", "base64")


@case("softbank-utf8-qp", "softbank", "水道管の漏水", "田中 次郎",
      ["水が噴き出しています", "至急確認をお願いします"])
def _(c):
    """SoftBank: UTF-8 quoted-printable body"""
    body = """\
水道課 様

南町2丁目の公園前で、道路から水が噴き出しています。
至急確認をお願いします。

田中
"""
    h = head(c, ew("水道管の漏水"), named("田中 次郎", "jiro-tanaka@" + SB),
             to="suido@city.example.lg.jp", mid=c.mid_ts(SB))
    return single(h, body, "utf8", "quoted-printable")


@case("softbank-utf8-8bit", "softbank", "広報誌の原稿", "佐藤 花子",
      ["広報誌12月号の原稿", "写真の差し替えを"])
def _(c):
    """SoftBank: UTF-8 8bit body"""
    body = """\
広報課 ご担当者様

お世話になっております。佐藤です。
広報誌12月号の原稿を確認しました。
2ページ目の写真の差し替えをお願いします。
"""
    h = head(c, ew("広報誌の原稿"), named("佐藤 花子", "hanako-s@" + SB),
             to="koho@city.example.lg.jp", mid=c.mid_ts(SB))
    return single(h, body, "utf8", "8bit")


@case("softbank-sjis-8bit", "softbank", "出張報告", "渡辺 健太",
      ["出張報告を送ります", "先進地視察の結果"])
def _(c):
    """SoftBank S!メール: Shift_JIS 8bit body, Shift_JIS B Subject"""
    body = """\
課長

出張報告を送ります。
先進地視察の結果、窓口の電子申請化は効果が大きいとのことでした。
詳細は明日の朝に報告書でお渡しします。

渡辺
"""
    h = head(c, ew("出張報告", "sjis"), named("渡辺 健太", "watanabe-k@" + SB, "sjis"),
             to=KIKAKU, mid=c.mid_ts(SB))
    return single(h, body, "sjis", "8bit")


@case("softbank-sjis-base64", "softbank", "選挙事務の従事について", "山口 真理",
      ["選挙事務に従事できます", "開票事務は難しい"])
def _(c):
    """SoftBank: Shift_JIS base64 body"""
    body = """\
選挙管理委員会 事務局様

山口です。
投票日当日の選挙事務に従事できます。
ただし、開票事務は難しいため、投票所のみでお願いします。
"""
    h = head(c, ew("選挙事務の従事について", "sjis"), named("山口 真理", "mari.y@" + SB, "sjis"),
             to="senkyo@city.example.lg.jp", mid=c.mid_ts(SB))
    return single(h, body, "sjis", "base64")


@case("softbank-utf8-hankaku", "softbank", "ﾒｰﾙ送信テスト", "森 浩二",
      ["ﾒｰﾙの送信ﾃｽﾄ", "届いていれば返信を"])
def _(c):
    """SoftBank: UTF-8 base64 with half-width katakana (U+FF61-FF9F kept as is)"""
    body = """\
ﾒｰﾙの送信ﾃｽﾄです。
届いていれば返信をお願いします。
"""
    h = head(c, ew("ﾒｰﾙ送信テスト"), named("森 浩二", "koji-mori@" + SB),
             to=JOHO, mid=c.mid_ts(SB))
    return single(h, body, "utf8", "base64")


@case("softbank-iphone-jis", "softbank", "補助金の申請書類", "高橋 花子",
      ["補助金の申請書類を", "押印が必要でしょうか"])
def _(c):
    """SoftBank iPhone (i.softbank): lower-case iso-2022-jp labels, 7bit, X-Mailer iPhone Mail"""
    body = """\
商工課 ご担当者様

お世話になっております。
店舗改装の補助金の申請書類を提出したいのですが、
見積書の写しにも押印が必要でしょうか。

高橋

iPhoneから送信
"""
    h = head(c, ew("補助金の申請書類", "jis", charset="iso-2022-jp"),
             "%s <hanako.takahashi@%s>" % (ew("高橋 花子", "jis", charset="iso-2022-jp"), ISB),
             to="shoko@city.example.lg.jp", mid=c.mid_ts(ISB),
             extra=["X-Mailer: iPhone Mail (22A3354)"])
    h += ["Content-Type: text/plain;\n\tcharset=iso-2022-jp", "Content-Transfer-Encoding: 7bit"]
    return build(h, text(body, "jis"))


# ===========================================================================
# Outlook / Exchange
# ===========================================================================

def outlook_extra(c, topic_codec, topic, attach=False):
    return [
        "Thread-Topic: " + ew(topic, topic_codec, charset="iso-2022-jp" if topic_codec == "jis" else "utf-8",
                              maxlen=76, sep="\n\t"),
        "Thread-Index: " + b64s(b"\x01\xdc\x51" + bytes.fromhex(c.hx(38))),
        "Accept-Language: ja-JP, en-US",
        "Content-Language: ja-JP",
        "X-MS-Has-Attach: " + ("yes" if attach else ""),
        "X-MS-TNEF-Correlator: ",
        "x-ms-publictraffictype: Email",
    ]


def outlook_mid(c):
    return "<TY%sMB%s@TY%s.jpnprd01.prod.outlook.example.com>" % (
        c.hx(4).upper(), c.hx(20, "m").upper(), c.hx(4).upper())


def outlook_message(c, subject_text, name, addr, body, codec, plain_cte, html_cte,
                    to=SOUMU, subject_prefix="", quoted_name=False, name_codec=None,
                    charset_label=None):
    name_codec = name_codec or codec
    cs = charset_label or ("iso-2022-jp" if codec == "jis" else "utf-8")
    subj = subject_prefix + ew(subject_text, codec, charset=cs, maxlen=76, sep="\n\t")
    nm = ew(name, name_codec, charset=("iso-2022-jp" if name_codec == "jis" else "utf-8"), maxlen=200)
    frm = ('"%s" <%s>' if quoted_name else "%s <%s>") % (nm, addr)
    h = head(c, subj, frm, to=to, mid=outlook_mid(c),
             extra=outlook_extra(c, codec, subject_prefix + subject_text))
    bnd = "_000_TY%sMB%sjpnprd01prod_" % (c.hx(4).upper(), c.hx(12, "b").upper())
    plain = part('text/plain; charset="%s"' % cs, plain_cte, text(body, codec))
    htmlp = part('text/html; charset="%s"' % cs, html_cte, enc(outlook_html(body, cs), codec))
    return alternative(h, bnd, plain, htmlp)


@case("outlook-alt-jis", "outlook", "定例会議の開催について", "山田 太郎",
      ["定例会議を下記のとおり", "ご出席くださいますよう"])
def _(c):
    """Outlook: multipart/alternative, text/plain iso-2022-jp 7bit + text/html iso-2022-jp quoted-printable (ESC as =1B) with <o:p>, mso styles, Thread-Topic/Thread-Index"""
    body = """\
各課長 様

お疲れ様です。企画課の山田です。
11月の定例会議を下記のとおり開催します。
ご出席くださいますよう、お願いいたします。

日時 11月20日(金) 13時30分から
場所 本庁舎4階 第1会議室

以上
"""
    return outlook_message(c, "定例会議の開催について", "山田 太郎", "taro.yamada@city.example.lg.jp",
                           body, "jis", "7bit", "quoted-printable", to="kacho-all@city.example.lg.jp")


@case("outlook-alt-utf8-base64", "outlook", "【ご請求】11月分 請求書送付のご案内", "佐藤 花子",
      ["請求書をお送りいたします", "お振込みくださいますよう"])
def _(c):
    """Outlook (Microsoft 365): multipart/alternative, both parts utf-8 base64"""
    body = """\
例示市役所 会計課
ご担当者様

いつも大変お世話になっております。
株式会社サンプル商事の佐藤でございます。

11月分の請求書をお送りいたします。
12月25日までにお振込みくださいますよう、お願い申し上げます。

株式会社サンプル商事 営業部
佐藤 花子
"""
    return outlook_message(c, "【ご請求】11月分 請求書送付のご案内", "佐藤 花子",
                           "hanako.sato@example.co.jp", body, "utf8", "base64", "base64",
                           to="kaikei@city.example.lg.jp")


@case("outlook-alt-utf8-qp", "outlook", "議事録の送付", "鈴木 一郎",
      ["議事録を送付いたします", "修正がございましたら"])
def _(c):
    """Outlook: multipart/alternative, both parts utf-8 quoted-printable"""
    body = """\
関係各位

総務課の鈴木です。
先日の庁舎管理委員会の議事録を送付いたします。
修正がございましたら、11月27日までにお知らせください。

鈴木
"""
    return outlook_message(c, "議事録の送付", "鈴木 一郎", "ichiro.suzuki@city.example.lg.jp",
                           body, "utf8", "quoted-printable", "quoted-printable", to=KIKAKU)


@case("outlook-quoted-ew-name", "outlook", "見積書のご依頼", "高橋 健",
      ["お見積りをお願いしたく", "仕様書を添付いたします"])
def _(c):
    """Outlook: From display name is an encoded word inside double quotes ("=?iso-2022-jp?B?...?=" <...>)"""
    body = """\
株式会社例示システム
営業部 ご担当者様

例示市 情報政策課の高橋です。
庁内ネットワーク機器の更新について、
お見積りをお願いしたくご連絡しました。
仕様書を添付いたしますので、ご確認ください。

高橋
"""
    return outlook_message(c, "見積書のご依頼", "高橋 健", "ken.takahashi@city.example.lg.jp",
                           body, "jis", "7bit", "quoted-printable", to="sales@example.co.jp",
                           quoted_name=True)


@case("outlook-name-with-comma", "outlook", "契約書の確認依頼", "山田, 太郎",
      ["契約書の案を確認", "一点ご相談があります"])
def _(c):
    """Outlook: 'Last, First' display name with a comma inside an encoded word, quoted as Outlook does"""
    body = """\
契約課 各位

契約書の案を確認しました。
第5条の記載について、一点ご相談があります。
明日の打合せでお話しさせてください。
"""
    return outlook_message(c, "契約書の確認依頼", "山田, 太郎", "taro.yamada@city.example.lg.jp",
                           body, "jis", "7bit", "quoted-printable", to=KEIYAKU, quoted_name=True)


@case("outlook-reply-jp-header", "outlook", "RE: 議事録の送付", "田中 次郎",
      ["議事録を拝見しました", "発言者名が抜けて"])
def _(c):
    """Outlook reply: 'RE: ' prefix in ASCII before the encoded word; Japanese '差出人/送信日時/宛先/件名' quote header block"""
    body = """\
鈴木さん

お疲れ様です。田中です。
議事録を拝見しました。
3ページ目の発言者名が抜けていましたので、ご確認ください。

田中

差出人: 鈴木 一郎
送信日時: 2026年11月10日 17:12
宛先: 関係各位
件名: 議事録の送付

関係各位
先日の庁舎管理委員会の議事録を送付いたします。
"""
    return outlook_message(c, "議事録の送付", "田中 次郎", "jiro.tanaka@city.example.lg.jp",
                           body, "jis", "7bit", "quoted-printable", to=SOUMU, subject_prefix="RE: ")


@case("outlook-forward-pdf", "outlook", "FW: 入札公告について", "伊藤 美咲",
      ["入札公告を転送します", "参加資格の確認を"])
def _(c):
    """Outlook forward: multipart/mixed [multipart/alternative utf-8, application/pdf with RFC 2231 name]"""
    body = """\
契約課の皆さま

伊藤です。
県から届いた入札公告を転送します。
参加資格の確認をお願いします。

伊藤
"""
    h = head(c, "FW: " + ew("入札公告について", charset="utf-8"),
             named("伊藤 美咲", "misaki.ito@city.example.lg.jp", charset="utf-8"),
             to=KEIYAKU, mid=outlook_mid(c),
             extra=outlook_extra(c, "utf8", "FW: 入札公告について", attach=True))
    bnd_alt = "_000_TY%sMBalt_" % c.hx(8).upper()
    bnd_mix = "_004_TY%sMBmix_" % c.hx(8).upper()
    alt = multipart(bnd_alt, [
        part('text/plain; charset="utf-8"', "base64", text(body)),
        part('text/html; charset="utf-8"', "base64", enc(outlook_html(body, "utf-8"), "utf8")),
    ])
    fname = "%E5%85%A5%E6%9C%AD%E5%85%AC%E5%91%8A.pdf"  # 入札公告.pdf
    parts = [
        build(['Content-Type: multipart/alternative;\n\tboundary="%s"' % bnd_alt], alt),
        build(["Content-Type: application/pdf; name*=utf-8''" + fname,
               "Content-Description: " + ew("入札公告.pdf", charset="utf-8"),
               "Content-Disposition: attachment;\n\tfilename*=utf-8''" + fname + ";\n\tsize=%d" % len(FAKE_PDF),
               "Content-Transfer-Encoding: base64"], b64body(FAKE_PDF)),
    ]
    return build(h + ['Content-Type: multipart/mixed;\n\tboundary="%s"' % bnd_mix],
                 multipart(bnd_mix, parts))


@case("outlook-related-logo", "outlook", "防災訓練実施のお知らせ", "渡辺 健太",
      ["総合防災訓練を実施します", "本庁舎前の広場"])
def _(c):
    """Outlook: multipart/related [multipart/alternative [plain, html], image/png cid:image001.png], utf-8 QP"""
    body = """\
各課庶務担当 様

危機管理課の渡辺です。
12月3日(木)に総合防災訓練を実施します。
各課から2名の参加をお願いします。
集合は9時、本庁舎前の広場です。

危機管理課 渡辺
"""
    cid = "image001.png@01DB3A1B.5C2D3E40"
    h = head(c, ew("防災訓練実施のお知らせ", charset="utf-8"),
             named("渡辺 健太", "kenta.watanabe@city.example.lg.jp", charset="utf-8"),
             to="shomu-all@city.example.lg.jp", mid=outlook_mid(c),
             extra=outlook_extra(c, "utf8", "防災訓練実施のお知らせ"))
    bnd_alt = "_000_TY%sMBalt_" % c.hx(8).upper()
    bnd_rel = "_004_TY%sMBrel_" % c.hx(8).upper()
    alt = multipart(bnd_alt, [
        part('text/plain; charset="utf-8"', "quoted-printable", text(body)),
        part('text/html; charset="utf-8"', "quoted-printable",
             enc(outlook_html(body, "utf-8", image_cid=cid), "utf8")),
    ])
    rel = multipart(bnd_rel, [
        build(['Content-Type: multipart/alternative;\n\tboundary="%s"' % bnd_alt], alt),
        build(['Content-Type: image/png; name="image001.png"',
               'Content-Description: image001.png',
               'Content-Disposition: inline; filename="image001.png"; size=%d' % len(PNG_1X1),
               "Content-ID: <%s>" % cid,
               "Content-Transfer-Encoding: base64"], b64body(PNG_1X1)),
    ])
    return build(h + ['Content-Type: multipart/related;\n\tboundary="%s";\n\ttype="multipart/alternative"' % bnd_rel],
                 rel)


@case("outlook-fullwidth-space-name", "outlook", "人事異動に伴う事務引継ぎ", "佐藤\u3000花子",
      ["事務引継書を作成", "後任の担当者"])
def _(c):
    """Outlook: display name with an ideographic space (U+3000) as Japanese address books have it; iso-2022-jp"""
    body = """\
総務課 各位

佐藤です。
12月1日付の人事異動に伴い、事務引継書を作成しました。
後任の担当者には来週説明します。

佐藤
"""
    return outlook_message(c, "人事異動に伴う事務引継ぎ", "佐藤\u3000花子",
                           "hanako.sato@city.example.lg.jp", body, "jis", "7bit",
                           "quoted-printable", to=SOUMU)


@case("outlook-utf8-subject-iso-body", "outlook", "予算要求資料の提出期限", "小林 誠",
      ["予算要求資料の提出期限", "財政課まで提出して"])
def _(c):
    """Outlook: utf-8 encoded Subject and From with iso-2022-jp body parts (mixed per-header charsets)"""
    body = """\
各課予算担当 様

財政課の小林です。
令和9年度の予算要求資料の提出期限は12月4日(金)です。
期限までに財政課まで提出してください。

財政課 小林
"""
    h = head(c, ew("予算要求資料の提出期限", charset="utf-8", maxlen=76, sep="\n\t"),
             named("小林 誠", "makoto.kobayashi@city.example.lg.jp", charset="utf-8"),
             to="yosan-all@city.example.lg.jp", mid=outlook_mid(c),
             extra=outlook_extra(c, "utf8", "予算要求資料の提出期限"))
    bnd = "_000_TY%sMBjp_" % c.hx(8).upper()
    plain = part('text/plain; charset="iso-2022-jp"', "7bit", text(body, "jis"))
    htmlp = part('text/html; charset="iso-2022-jp"', "quoted-printable",
                 enc(outlook_html(body, "iso-2022-jp"), "jis"))
    return alternative(h, bnd, plain, htmlp)


# ===========================================================================
# Notes / Domino
# ===========================================================================

PY_PHRASE_WS = ("Python keeps the white space between adjacent encoded words of a phrase "
                "(RFC 2047 section 6.2: it is ignored)")


def notes_name(segments, codec="jis"):
    """Notes hierarchical name, one encoded word per segment (the '/' kept
    with the segment before it), words separated by folding white space."""
    words = []
    for i, seg in enumerate(segments):
        s = seg + ("/" if i < len(segments) - 1 else "")
        words.append(ew(s, codec, maxlen=200))
    return "\n ".join(words)


def notes_extra(c):
    return [
        "X-Mailer: IBM Notes Release 9.0.1FP10 SHF68 September 06, 2018",
        "X-MIMETrack: Serialize by Router on Mail01/Soumu/Reiji(Release 9.0.1FP10 HF383|November 14, 2018) at\n"
        " %s" % c.dt.strftime("%Y/%m/%d %H:%M:%S"),
    ]


def notes_mid(c):
    h = c.hx(24).upper()
    return "<OF%s.%s-ON49258A%s.%s-49258A%s.%s@city.example.lg.jp>" % (
        h[:8], h[8:16], h[16:18], h[18:24], h[16:18], h[:8])


@case("notes-jis-plain", "notes", "庁舎の停電に伴う作業について", "鈴木一郎/総務課/例示市",
      ["庁舎の電気設備点検", "サーバ室の機器は"],
      py={"from": PY_PHRASE_WS})
def _(c):
    """Notes/Domino: ISO-2022-JP 7bit; From name 鈴木一郎/総務課/例示市 with one encoded word per segment"""
    body = """\
各位

総務課の鈴木です。
11月28日(土)に庁舎の電気設備点検を行うため、終日停電します。
サーバ室の機器は前日17時に停止してください。

以上、よろしくお願いします。
"""
    h = head(c, ewj("庁舎の停電に伴う作業について"),
             "%s <ichiro.suzuki@city.example.lg.jp>" % notes_name(["鈴木一郎", "総務課", "例示市"]),
             to="all-staff@city.example.lg.jp", mid=notes_mid(c), extra=notes_extra(c))
    return single(h, body, "jis", "7bit")


@case("notes-jis-qp", "notes", "固定資産税の課税資料", "田中次郎/税務課/○○市",
      ["課税資料の照会", "評価額の算定根拠を"],
      py={"from": PY_PHRASE_WS})
def _(c):
    """Notes: text/plain ISO-2022-JP in quoted-printable (escapes become =1B, '=' inside JIS becomes =3D)"""
    body = """\
資産税係 各位

固定資産の課税資料の照会がありました。
納税者から評価額の算定根拠を示してほしいとのことです。
担当者を決めて対応をお願いします。

税務課 田中
"""
    h = head(c, ewj("固定資産税の課税資料"),
             "%s <jiro.tanaka@city.example.lg.jp>" % notes_name(["田中次郎", "税務課", "○○市"]),
             to="shisanzei@city.example.lg.jp", mid=notes_mid(c), extra=notes_extra(c))
    return single(h, body, "jis", "quoted-printable")


@case("notes-related-html", "notes", "指定管理者選定委員会の開催", "加藤直子/企画課/例示市",
      ["指定管理者選定委員会", "委員の皆様には"],
      py={"from": PY_PHRASE_WS})
def _(c):
    """Notes: multipart/alternative [text/plain ISO-2022-JP, multipart/related [text/html ISO-2022-JP QP with <font>, image/gif cid]]"""
    body = """\
関係各位

企画課の加藤です。
第2回指定管理者選定委員会を開催します。
委員の皆様には資料を事前に送付します。

企画課 加藤
"""
    h = head(c, ewj("指定管理者選定委員会の開催"),
             "%s <naoko.kato@city.example.lg.jp>" % notes_name(["加藤直子", "企画課", "例示市"]),
             to=KIKAKU, mid=notes_mid(c), extra=notes_extra(c))
    cid = "_2_0B1C2D3E0B1C2A4C0044C8B949258A1B"
    rel = multipart("=_related 0044C8B949258A1B_=", [
        part("text/html; charset=ISO-2022-JP", "quoted-printable", enc(notes_html(body, cid), "jis")),
        build(["Content-Type: image/gif", "Content-ID: <%s>" % cid,
               "Content-Transfer-Encoding: base64"], b64body(GIF_1X1)),
    ])
    alt = multipart("=_alternative 0044C8B949258A1B_=", [
        part("text/plain; charset=ISO-2022-JP", "7bit", text(body, "jis")),
        build(['Content-Type: multipart/related; boundary="=_related 0044C8B949258A1B_="'], rel),
    ])
    return build(h + ['Content-Type: multipart/alternative; boundary="=_alternative 0044C8B949258A1B_="'],
                 alt)


@case("notes-name-folded-segments", "notes", "選挙ポスター掲示場の設置", "森浩二/選挙管理委員会事務局/例示市",
      ["ポスター掲示場の設置", "設置場所の一覧を"],
      py={"from": PY_PHRASE_WS})
def _(c):
    """Notes: long hierarchical name, each segment its own ISO-2022-JP word, folded over three lines"""
    body = """\
各地区 自治会長 様

選挙管理委員会事務局の森です。
市長選挙のポスター掲示場の設置についてご協力をお願いします。
設置場所の一覧を同封いたします。
"""
    h = head(c, ewj("選挙ポスター掲示場の設置"),
             "%s <koji.mori@city.example.lg.jp>" % notes_name(["森浩二", "選挙管理委員会事務局", "例示市"]),
             to="jichikai@example.jp", mid=notes_mid(c), extra=notes_extra(c))
    return single(h, body, "jis", "7bit")


@case("notes-alt-utf8-qp", "notes", "研修会の参加申込み", "林優子/人事課/例示市",
      ["研修会の参加申込み", "申込書に記入のうえ"],
      py={"from": PY_PHRASE_WS})
def _(c):
    """Notes 9 in UTF-8 mode: multipart/alternative text+html, both UTF-8 quoted-printable, UTF-8 segment words"""
    body = """\
各課 研修担当 様

人事課の林です。
情報セキュリティ研修会の参加申込みを受け付けます。
申込書に記入のうえ、11月30日までに提出してください。
"""
    h = head(c, ew("研修会の参加申込み"),
             "%s <yuko.hayashi@city.example.lg.jp>" % notes_name(["林優子", "人事課", "例示市"], "utf8"),
             to="kenshu-all@city.example.lg.jp", mid=notes_mid(c), extra=notes_extra(c))
    alt = multipart("=_alternative 0051A2B349258A1B_=", [
        part("text/plain; charset=UTF-8", "quoted-printable", text(body)),
        part("text/html; charset=UTF-8", "quoted-printable", enc(notes_html(body), "utf8")),
    ])
    return build(h + ['Content-Type: multipart/alternative; boundary="=_alternative 0051A2B349258A1B_="'],
                 alt)


@case("notes-jis-ext-minutes", "notes", "議事録(第3回検討会)", "山本和也/都市計画課/例示市",
      ["第3回検討会の議事録", "㈱例示コンサルタント", "①駅前広場の整備方針"],
      py={"from": PY_PHRASE_WS, "body": "Python's iso2022_jp codec rejects NEC row 13 cells"})
def _(c):
    """Notes: ISO-2022-JP body containing NEC row 13 characters (① ② ③ ㈱) as Notes writes them"""
    body = """\
委員各位

第3回検討会の議事録をお送りします。
出席 委員8名、事務局3名、㈱例示コンサルタント2名
議題
①駅前広場の整備方針
②バス路線の再編
③次回日程
"""
    h = head(c, ewj("議事録(第3回検討会)"),
             "%s <kazuya.yamamoto@city.example.lg.jp>" % notes_name(["山本和也", "都市計画課", "例示市"]),
             to="kentoukai@example.jp", mid=notes_mid(c), extra=notes_extra(c))
    return single(h, body, "jis", "7bit")


@case("notes-forward", "notes", "転送: 道路占用許可申請について", "清水隆/道路課/例示市",
      ["道路占用許可の申請", "工事期間は12月7日から"],
      py={"from": PY_PHRASE_WS})
def _(c):
    """Notes forward: '----- 転送 by ... -----' block in the ISO-2022-JP body"""
    body = """\
井上さん

下記の件、対応をお願いします。

清水
----- 転送 by 清水隆/道路課/例示市 on 2026/11/12 10:05 -----

例示市 道路課 御中
電柱の移設工事のため、道路占用許可の申請をいたします。
工事期間は12月7日から12月18日までです。
"""
    h = head(c, ewj("転送: 道路占用許可申請について"),
             "%s <takashi.shimizu@city.example.lg.jp>" % notes_name(["清水隆", "道路課", "例示市"]),
             to="daisuke.inoue@city.example.lg.jp", mid=notes_mid(c), extra=notes_extra(c))
    return single(h, body, "jis", "7bit")


# ===========================================================================
# Gmail
# ===========================================================================

GMAIL = "gmail.example.com"


def gmail_mid(c):
    return "<CAK%s%s@mail.gmail.example.com>" % (
        base64.b64encode(bytes.fromhex(c.hx(30))).decode("ascii").replace("/", "_").replace("+", "-"),
        c.hx(8, "g"))


def gmail_bnd(c, salt=""):
    return "0000000000%s" % c.hx(18, salt)


def gmail_message(c, subject, name, user, body, cte, to=SOUMU, html_body=None, extra=()):
    h = head(c, ew(subject, charset="UTF-8", maxlen=76), named(name, user + "@" + GMAIL),
             to=to, mid=gmail_mid(c), extra=extra)
    bnd = gmail_bnd(c)
    plain = part('text/plain; charset="UTF-8"', cte, text(body))
    htmlp = part('text/html; charset="UTF-8"', cte, enc(html_body or gmail_html(body), "utf8"))
    return alternative(h, bnd, plain, htmlp)


@case("gmail-alt-base64", "gmail", "子育てひろばの開催について", "中村 由美",
      ["子育てひろばの開催日", "申込みは不要です"])
def _(c):
    """Gmail: multipart/alternative, UTF-8 base64 text and <div dir="ltr"> HTML"""
    body = """\
子育て支援センター ご担当者様

いつもお世話になっております。中村です。
12月の子育てひろばの開催日を教えていただけますか。
チラシには申込みは不要ですと書いてありましたが、
人数の制限はありますでしょうか。

中村
"""
    return gmail_message(c, "子育てひろばの開催について", "中村 由美", "yumi.nakamura.1985", body,
                         "base64", to="kosodate@city.example.lg.jp")


@case("gmail-alt-qp", "gmail", "ボランティア説明会の参加", "井上 大輔",
      ["ボランティア説明会に", "当日は友人と2名で"])
def _(c):
    """Gmail: multipart/alternative, UTF-8 quoted-printable both parts"""
    body = """\
社会福祉協議会 ご担当者様

井上と申します。
災害ボランティア説明会に参加を希望します。
当日は友人と2名で伺います。

井上 大輔
"""
    return gmail_message(c, "ボランティア説明会の参加", "井上 大輔", "d.inoue.volunteer", body,
                         "quoted-printable", to="shakyo@example.jp")


@case("gmail-reply-quote", "gmail", "Re: 図書館の蔵書について", "松本 恵",
      ["ご回答ありがとうございます", "予約の取り置き期間"])
def _(c):
    """Gmail reply: gmail_quote blockquote in HTML, '> ' quote in text, attribution line with date and address"""
    body = """\
図書館 ご担当者様

ご回答ありがとうございます。
予約の取り置き期間は1週間と理解しました。
来週の土曜日に伺います。

松本
"""
    attribution = "2026年11月9日(月) 10:15 例示市立図書館 <library@city.example.lg.jp>:"
    quoted = "松本様\nお問い合わせの本は予約可能です。\n"
    plain_body = body + "\n" + attribution + "\n\n" + "".join("> %s\n" % q for q in quoted.rstrip("\n").split("\n"))
    h = head(c, ew("Re: 図書館の蔵書について", charset="UTF-8"), named("松本 恵", "megumi.matsumoto@" + GMAIL),
             to="library@city.example.lg.jp", mid=gmail_mid(c),
             extra=["In-Reply-To: <library-reply-1109@city.example.lg.jp>",
                    "References: <megumi-q1@mail.gmail.example.com>\n <library-reply-1109@city.example.lg.jp>"])
    bnd = gmail_bnd(c)
    plain = part('text/plain; charset="UTF-8"', "base64", text(plain_body))
    htmlp = part('text/html; charset="UTF-8"', "quoted-printable",
                 enc(gmail_reply_html(body, attribution, quoted), "utf8"))
    return alternative(h, bnd, plain, htmlp)


@case("gmail-long-subject", "gmail",
      "【ご相談】地域のお祭りにおける道路使用許可と交通規制の手続きについて(実行委員会より)",
      "山口 真理", ["道路使用許可の手続き", "実行委員会の山口"])
def _(c):
    """Gmail: long Subject split by Gmail into several UTF-8 B words on separate lines"""
    body = """\
例示市 市民協働課 ご担当者様

東町夏祭り実行委員会の山口と申します。
来年7月のお祭りにおける道路使用許可の手続きについて
ご相談させてください。
警察署への申請の前に、市で確認が必要な事項はありますでしょうか。

よろしくお願いいたします。
"""
    return gmail_message(c, "【ご相談】地域のお祭りにおける道路使用許可と交通規制の手続きについて(実行委員会より)",
                         "山口 真理", "mari.yamaguchi.matsuri", body, "base64",
                         to="kyodo@city.example.lg.jp")


@case("gmail-plain-only", "gmail", "粗大ごみの回収予約", "木村 三郎",
      ["粗大ごみの回収を予約", "タンスと自転車"])
def _(c):
    """Gmail plain-text mode: single text/plain UTF-8 base64"""
    body = """\
環境課 様

粗大ごみの回収を予約したいです。
品目はタンスと自転車の2点です。
12月の第1週を希望します。

木村
"""
    h = head(c, ew("粗大ごみの回収予約", charset="UTF-8"), named("木村 三郎", "saburo.kimura@" + GMAIL),
             to="kankyo@city.example.lg.jp", mid=gmail_mid(c))
    return single(h, body, "utf8", "base64")


@case("gmail-mixed-pdf", "gmail", "請求書の送付(11月分)", "清水 隆",
      ["11月分の請求書を添付", "ご確認のほど"])
def _(c):
    """Gmail: multipart/mixed [multipart/alternative UTF-8 base64, application/pdf with RFC 2047 name]"""
    body = """\
例示市 会計課 御中

清水設備の清水です。
11月分の請求書を添付いたします。
ご確認のほど、よろしくお願いいたします。
"""
    h = head(c, ew("請求書の送付(11月分)", charset="UTF-8"), named("清水 隆", "shimizu.setsubi@" + GMAIL),
             to="kaikei@city.example.lg.jp", mid=gmail_mid(c))
    bnd_alt = gmail_bnd(c, "alt")
    bnd_mix = gmail_bnd(c, "mix")
    alt = multipart(bnd_alt, [
        part('text/plain; charset="UTF-8"', "base64", text(body)),
        part('text/html; charset="UTF-8"', "base64", enc(gmail_html(body), "utf8")),
    ])
    fname = ew("請求書_11月分.pdf", charset="UTF-8", maxlen=200)
    parts = [
        build(['Content-Type: multipart/alternative; boundary="%s"' % bnd_alt], alt),
        build(['Content-Type: application/pdf; name="%s"' % fname,
               'Content-Disposition: attachment; filename="%s"' % fname,
               "Content-Transfer-Encoding: base64",
               "Content-ID: <f_%s>" % c.hx(10),
               "X-Attachment-Id: f_%s" % c.hx(10)], b64body(FAKE_PDF)),
    ]
    return build(h + ['Content-Type: multipart/mixed; boundary="%s"' % bnd_mix],
                 multipart(bnd_mix, parts))


@case("gmail-html-entities", "gmail", "説明会の資料 & 日程", "伊藤 美咲",
      ["説明会の資料と日程", "当日は筆記用具を"])
def _(c):
    """Gmail: ampersand in Subject, HTML with an &amp; entity and quotes next to Japanese text"""
    body = """\
関係者各位

伊藤です。
説明会の資料と日程をお送りします。
資料 "概要版" & "詳細版"
当日は筆記用具をお持ちください。
"""
    return gmail_message(c, "説明会の資料 & 日程", "伊藤 美咲", "misaki.ito.work", body,
                         "quoted-printable", to=KIKAKU)


@case("gmail-forward", "gmail", "Fwd: 空き家バンクへの登録", "田中 次郎",
      ["空き家バンクへの登録", "固定資産税の納税通知書"])
def _(c):
    """Gmail forward: '---------- Forwarded message ---------' block with Japanese 送信元/Date/Subject lines"""
    body = """\
担当者様

以下のメールを転送します。

---------- Forwarded message ---------
送信元: 田中 次郎
Date: 2026年11月10日(火) 9:02
Subject: 空き家バンクへの登録
To: 田中 花子

実家の空き家を空き家バンクへの登録を検討しています。
固定資産税の納税通知書の写しは必要でしょうか。
"""
    return gmail_message(c, "Fwd: 空き家バンクへの登録", "田中 次郎", "jiro.tanaka.1970", body,
                         "base64", to="akiya@city.example.lg.jp")


# ===========================================================================
# Yahoo! JAPAN
# ===========================================================================

YAHOO = "yahoo.example.co.jp"


def yahoo_extra():
    return ["X-Mailer: YahooMailWebService/0.8.203.1170",
            "X-YMail-OSG: Qm9nLmV4YW1wbGUuY28uanAtMjAyNjExMDE-"]


@case("yahoo-jis-ext", "yahoo", "忘年会のご案内", "松本 恵",
      ["忘年会を開催します", "㈱例示商会の皆様", "①会費は5000円"],
      py={"body": "Python's iso2022_jp codec rejects NEC row 13 / IBM extension cells"})
def _(c):
    """Yahoo! JAPAN: ISO-2022-JP 7bit body with CP50220 extension cells (① ② ㈱ 髙) in the JIS stream"""
    body = """\
関係者各位

今年も忘年会を開催します。
㈱例示商会の皆様もご参加いただけます。
①会費は5000円です。
②幹事は髙橋さんです。
"""
    h = head(c, ewj("忘年会のご案内"), named("松本 恵", "megumi_m2026@" + YAHOO, "jis"),
             to=SOUMU, mid=c.mid_ts("mail.yahoo.example.co.jp"), extra=yahoo_extra())
    return single(h, body, "jis", "7bit")


@case("yahoo-jis-ext-subject", "yahoo", "①見積書のご送付(㈱例示建設 髙橋)", "髙橋 健",
      ["見積書を送付いたします", "工事の内訳は"], py={"subject": "Python's iso2022_jp codec rejects NEC row 13 / IBM extension cells", "from": "Python's iso2022_jp codec rejects the IBM extension cell of 髙"})
def _(c):
    """Yahoo! JAPAN: ISO-2022-JP encoded words holding ① ㈱ 髙 in Subject and From (CP50220)"""
    body = """\
例示市 契約課 御中

いつもお世話になっております。
㈱例示建設の髙橋でございます。
公園整備工事の見積書を送付いたします。
工事の内訳は別紙のとおりです。
"""
    h = head(c, ewj("①見積書のご送付(㈱例示建設 髙橋)"),
             named("髙橋 健", "ken_takahashi_kensetsu@" + YAHOO, "jis"),
             to=KEIYAKU, mid=c.mid_ts("mail.yahoo.example.co.jp"), extra=yahoo_extra())
    return single(h, body, "jis", "7bit")


@case("yahoo-sjis-8bit", "yahoo", "自治会の回覧について", "林 優子",
      ["自治会の回覧板", "配布部数を教えて"])
def _(c):
    """Yahoo! JAPAN: Shift_JIS 8bit body and Shift_JIS B Subject"""
    body = """\
市民協働課 ご担当者様

北町自治会の林です。
自治会の回覧板に入れるお知らせの件です。
配布部数を教えていただければ、自治会で仕分けいたします。
"""
    h = head(c, ew("自治会の回覧について", "sjis"), named("林 優子", "hayashi_jichikai@" + YAHOO, "sjis"),
             to="kyodo@city.example.lg.jp", mid=c.mid_ts("mail.yahoo.example.co.jp"), extra=yahoo_extra())
    return single(h, body, "sjis", "8bit")


@case("yahoo-sjis-base64-ext", "yahoo", "お問い合わせ先の変更", "小林 誠",
      ["連絡先が変わりました", "㈲例示印刷"],
      py={"body": "Python's shift_jis codec rejects NEC row 13 codes (a Shift_JIS label means CP932 in practice)"})
def _(c):
    """Yahoo! JAPAN: Shift_JIS base64 with ℡ ㈲ № (NEC row 13) and 髙 as Windows writes it (IBM code FBFC)"""
    body = """\
お取引先各位

㈲例示印刷の小林です。
事務所移転に伴い、連絡先が変わりました。
新しい連絡先 ℡ 03-1234-9876
登録番号 № 2026-118
担当 髙田までご連絡ください。
"""
    h = head(c, ew("お問い合わせ先の変更", "sjis"), named("小林 誠", "reiji_insatsu@" + YAHOO, "sjis"),
             to=KEIYAKU, mid=c.mid_ts("mail.yahoo.example.co.jp"), extra=yahoo_extra())
    return single(h, body, "sjis", "base64")


@case("yahoo-alt-jis", "yahoo", "施設見学の申込み", "吉田 修",
      ["浄水場の施設見学", "小学4年生の児童"])
def _(c):
    """Yahoo! JAPAN HTML mail: multipart/alternative, ISO-2022-JP text 7bit + ISO-2022-JP HTML quoted-printable"""
    body = """\
水道課 ご担当者様

西小学校の吉田です。
社会科の授業で浄水場の施設見学を申し込みたいです。
小学4年生の児童60名と引率3名です。
"""
    h = head(c, ewj("施設見学の申込み"), named("吉田 修", "nishi_sho_yoshida@" + YAHOO, "jis"),
             to="suido@city.example.lg.jp", mid=c.mid_ts("mail.yahoo.example.co.jp"), extra=yahoo_extra())
    htm = "<html><head></head><body>" + "".join(
        "<div>%s</div>" % (esc(l) if l.strip() else "<br>") for l in body.rstrip("\n").split("\n")) + "</body></html>\n"
    bnd = "--0-%s-%s=:12345" % (c.hx(10), c.hx(6, "y"))
    return alternative(h, bnd, part("text/plain; charset=iso-2022-jp", "7bit", text(body, "jis")),
                       part("text/html; charset=iso-2022-jp", "quoted-printable", enc(htm, "jis")))


@case("yahoo-utf8-base64", "yahoo", "講座の受講について", "山口 真理",
      ["市民講座を受講したい", "定員に空きがあれば"])
def _(c):
    """Yahoo! JAPAN (newer web client): UTF-8 base64 body, UTF-8 B Subject"""
    body = """\
生涯学習課 ご担当者様

市民講座を受講したいと考えています。
定員に空きがあれば、申込方法を教えてください。

山口
"""
    h = head(c, ew("講座の受講について"), named("山口 真理", "mari_y_1990@" + YAHOO),
             to="shogai@city.example.lg.jp", mid=c.mid_ts("mail.yahoo.example.co.jp"), extra=yahoo_extra())
    return single(h, body, "utf8", "base64")


@case("yahoo-jis-ibm-ext", "yahoo", "山﨑様へのご連絡", "山﨑 隆",
      ["山﨑でございます", "髙木様にもよろしく"], py={"subject": "Python's iso2022_jp codec rejects the IBM extension cell of 﨑",
          "from": "Python's iso2022_jp codec rejects the IBM extension cell of 﨑",
          "body": "Python's iso2022_jp codec rejects the IBM extension cells of 﨑 and 髙"})
def _(c):
    """Yahoo! JAPAN: IBM extension kanji 﨑 髙 (JIS rows 89-92) in ISO-2022-JP body, Subject and From"""
    body = """\
例示市 建設課 御中

いつもお世話になっております。
山﨑でございます。
先日の現場立会いの件、ありがとうございました。
髙木様にもよろしくお伝えください。
"""
    h = head(c, ewj("山﨑様へのご連絡"), named("山﨑 隆", "yamasaki_t@" + YAHOO, "jis"),
             to="kensetsu@city.example.lg.jp", mid=c.mid_ts("mail.yahoo.example.co.jp"), extra=yahoo_extra())
    return single(h, body, "jis", "7bit")


# ===========================================================================
# Thunderbird / Apple Mail / Becky!
# ===========================================================================

TB_UA = "User-Agent: Mozilla Thunderbird"


@case("thunderbird-flowed-jis", "thunderbird", "庁内ネットワーク更改の進め方について", "井上 大輔",
      ["ネットワーク更改の進め方", "機器の搬入は1月中旬"])
def _(c):
    """Thunderbird: ISO-2022-JP format=flowed; delsp=yes with long lines soft-broken (trailing space after ESC ( B)"""
    body = """\
情報政策課 各位

井上です。
来年度の庁内ネットワーク更改の進め方について、業者との打合せ結果を共有します。
機器の搬入は1月中旬、切替作業は3月の連休中に行う予定です。
各課への影響については、別途説明会を開催して周知します。

--\x20
井上 大輔
"""
    h = head(c, ewj("庁内ネットワーク更改の進め方について"), named("井上 大輔", "daisuke.inoue@city.example.lg.jp", "jis"),
             to=JOHO, mid="<%s@city.example.lg.jp>" % c.hx(36, "tb"), extra=[TB_UA, "Content-Language: ja"])
    h += ["Content-Type: text/plain; charset=ISO-2022-JP; format=flowed; delsp=yes",
          "Content-Transfer-Encoding: 7bit"]
    return build(h, enc(flowed(body, 24), "jis"))


@case("thunderbird-utf8-flowed", "thunderbird", "避難所運営マニュアルの改訂", "中村 由美",
      ["避難所運営マニュアル", "女性や要配慮者の視点"])
def _(c):
    """Thunderbird: UTF-8 8bit format=flowed; delsp=yes"""
    body = """\
危機管理課 各位

中村です。
避難所運営マニュアルの改訂案を作成しました。
今回の改訂では、女性や要配慮者の視点を取り入れた運営体制と、ペット同行避難の受入れ手順を追加しています。
ご意見を11月30日までにお寄せください。
"""
    h = head(c, ew("避難所運営マニュアルの改訂"), named("中村 由美", "yumi.nakamura@city.example.lg.jp"),
             to=BOUSAI, mid="<%s@city.example.lg.jp>" % c.hx(36, "tb"), extra=[TB_UA, "Content-Language: ja"])
    h += ["Content-Type: text/plain; charset=UTF-8; format=flowed; delsp=yes",
          "Content-Transfer-Encoding: 8bit"]
    return build(h, enc(flowed(body, 20), "utf8"))


@case("thunderbird-reply-flowed", "thunderbird", "Re: 入札参加資格の審査結果", "加藤 直子",
      ["審査結果の通知を受領", "登録証の再発行"])
def _(c):
    """Thunderbird reply: ISO-2022-JP format=flowed with '>' quoted flowed lines and the 'wrote:' attribution"""
    body = """\
契約課 ご担当者様

例示電設の加藤です。
審査結果の通知を受領いたしました。
登録証の再発行は必要でしょうか。

On 2026/11/12 9:30, 契約課 wrote:
> 入札参加資格の審査の結果、貴社を有資格者として登録しましたのでお知らせします。
> 登録の有効期間は令和9年3月31日までです。
"""
    h = head(c, "Re: " + ewj("入札参加資格の審査結果"), named("加藤 直子", "kato@example.co.jp", "jis"),
             to=KEIYAKU, mid="<%s@example.co.jp>" % c.hx(36, "tb"),
             extra=[TB_UA, "Content-Language: ja", "In-Reply-To: <shikaku-1112@city.example.lg.jp>"])
    h += ["Content-Type: text/plain; charset=ISO-2022-JP; format=flowed; delsp=yes",
          "Content-Transfer-Encoding: 7bit"]
    return build(h, enc(flowed(body, 30), "jis"))


@case("apple-mail-jis", "apple-mail", "広報誌の写真撮影", "佐藤 花子",
      ["広報誌の表紙の写真撮影", "撮影は10時からです"])
def _(c):
    """Apple Mail: text/plain; charset=iso-2022-jp 7bit (lower-case labels, Apple header order)"""
    body = """\
広報課 各位

佐藤です。
広報誌の表紙の写真撮影について連絡します。
撮影は10時からです。場所は中央公園の噴水前です。

佐藤
"""
    h = ["From: %s <hanako.sato@city.example.lg.jp>" % ew("佐藤 花子", "jis", charset="iso-2022-jp"),
         "Content-Type: text/plain;\n\tcharset=iso-2022-jp",
         "Content-Transfer-Encoding: 7bit",
         "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3826.300.87.4\\))",
         "Subject: " + ew("広報誌の写真撮影", "jis", charset="iso-2022-jp"),
         "Message-Id: <%s@city.example.lg.jp>" % c.hx(8, "a").upper(),
         "Date: " + c.date,
         "To: koho@city.example.lg.jp",
         "X-Mailer: Apple Mail (2.3826.300.87.4)"]
    return build(h, text(body, "jis"))


@case("apple-mail-alt-utf8", "apple-mail", "来年度の事業計画", "渡辺 健太",
      ["来年度の事業計画について", "意見交換の時間を"])
def _(c):
    """Apple Mail: multipart/alternative, UTF-8 quoted-printable text and HTML with webkit body style"""
    body = """\
企画課 各位

渡辺です。
来年度の事業計画について、資料を共有します。
次回の課内会議で意見交換の時間を設けたいと思います。

渡辺
"""
    bnd = "Apple-Mail=_%s" % c.hx(32, "apple").upper()
    h = ["From: %s <kenta.watanabe@city.example.lg.jp>" % ew("渡辺 健太", charset="utf-8"),
         'Content-Type: multipart/alternative;\n\tboundary="%s"' % bnd,
         "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3826.300.87.4\\))",
         "Subject: " + ew("来年度の事業計画", charset="utf-8"),
         "Message-Id: <%s@city.example.lg.jp>" % c.hx(8, "a").upper(),
         "Date: " + c.date,
         "To: " + KIKAKU,
         "X-Mailer: Apple Mail (2.3826.300.87.4)"]
    return build(h, multipart(bnd, [
        part("text/plain;\n\tcharset=utf-8", "quoted-printable", text(body)),
        part("text/html;\n\tcharset=utf-8", "quoted-printable", enc(apple_html(body), "utf8")),
    ]))


@case("becky-jis", "becky", "介護保険の認定調査", "森 浩二",
      ["介護保険の認定調査", "調査員の訪問日時"])
def _(c):
    """Becky!: ISO-2022-JP 7bit, X-Mailer Becky!, Becky-style Message-Id"""
    body = """\
介護保険課 御中

いつもお世話になっております。
父の介護保険の認定調査についてご連絡します。
調査員の訪問日時は11月25日の午後でお願いします。

森 浩二
"""
    h = head(c, ewj("介護保険の認定調査"), named("森 浩二", "koji.mori@example.jp", "jis"),
             to="kaigo@city.example.lg.jp", mid="<20261112%s.%s@example.jp>" % (c.hx(6).upper(), c.hx(4, "b").upper()),
             extra=["X-Mailer: Becky! ver. 2.81.04 [ja]"])
    return single(h, body, "jis", "7bit")


@case("becky-reply-jis", "becky", "Re: 消防団の訓練日程", "木村 三郎",
      ["訓練日程の件", "分団長にも伝えて"])
def _(c):
    """Becky!: reply with Becky's 'On ... wrote:' Japanese attribution and '> ' quotes, ISO-2022-JP"""
    body = """\
危機管理課 渡辺様

第3分団の木村です。
訓練日程の件、承知しました。
分団長にも伝えておきます。

On Tue, 10 Nov 2026 15:20:11 +0900
渡辺 健太 さん wrote:
> 消防団の合同訓練は12月6日(日)に実施します。
"""
    h = head(c, "Re: " + ewj("消防団の訓練日程"), named("木村 三郎", "saburo.kimura@example.jp", "jis"),
             to=BOUSAI, mid="<20261112%s.%s@example.jp>" % (c.hx(6).upper(), c.hx(4, "b").upper()),
             extra=["X-Mailer: Becky! ver. 2.81.04 [ja]", "In-Reply-To: <kunren-1110@city.example.lg.jp>"])
    return single(h, body, "jis", "7bit")


# ===========================================================================
# bounces
# ===========================================================================

def orig_headers(c, subject_hdr, frm="soumu@city.example.lg.jp", to="nobody@example.jp", extra=()):
    return "\n".join([
        "Return-Path: <%s>" % frm.split("<")[-1].rstrip(">"),
        "Received: from lgwan-gw.city.example.lg.jp (lgwan-gw.city.example.lg.jp [192.0.2.10])",
        "\tby mx.city.example.lg.jp (Postfix) with ESMTP id 5BC23D4E56",
        "\tfor <%s>; %s" % (to, c.earlier(3)),
        "Date: " + c.earlier(4),
        "From: " + frm,
        "To: " + to,
        "Subject: " + subject_hdr,
        "Message-ID: <orig-%s@city.example.lg.jp>" % c.short,
        *extra,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=ISO-2022-JP",
        "Content-Transfer-Encoding: 7bit",
    ]) + "\n"


@case("bounce-postfix-bilingual", "bounce", "Undelivered Mail Returned to Sender", "Mail Delivery System",
      ["メールを配送できませんでした", "宛先のメールアドレス"],
      py={"from": "Python gives no display name for 'addr (comment)'; clients show the comment"})
def _(c):
    """Postfix bounce with a bilingual (English + Japanese) UTF-8 template, delivery-status, text/rfc822-headers with an encoded ISO-2022-JP Subject"""
    human = """\
This is the mail system at host mx.example.co.jp.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

このメールはメールサーバーから自動的に送信されています。
お送りいただいたメールを配送できませんでした。
宛先のメールアドレスをご確認ください。

<nobody@example.co.jp>: host mx2.example.co.jp[192.0.2.25] said: 550 5.1.1
    <nobody@example.co.jp>: Recipient address rejected: User unknown (in reply
    to RCPT TO command)
"""
    status = """\
Reporting-MTA: dns; mx.example.co.jp
X-Postfix-Queue-ID: 5BC23D4E56
X-Postfix-Sender: rfc822; soumu@city.example.lg.jp
Arrival-Date: %s

Final-Recipient: rfc822; nobody@example.co.jp
Original-Recipient: rfc822;nobody@example.co.jp
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx2.example.co.jp
Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.co.jp>: Recipient address
    rejected: User unknown
""" % c.earlier(3)
    bnd = "5BC23D4E56.%d/mx.example.co.jp" % (1794182400 + c.num)
    parts = [
        build(["Content-Description: Notification",
               "Content-Type: text/plain; charset=utf-8",
               "Content-Transfer-Encoding: 8bit"], text(human)),
        build(["Content-Description: Delivery report",
               "Content-Type: message/delivery-status"], b(status)),
        build(["Content-Description: Undelivered Message Headers",
               "Content-Type: text/rfc822-headers"],
              b(orig_headers(c, ewj("会議資料の送付について"), to="nobody@example.co.jp"))),
    ]
    h = head(c, "Undelivered Mail Returned to Sender", "MAILER-DAEMON@mx.example.co.jp (Mail Delivery System)",
             mid="<%s.5BC23D4E56@mx.example.co.jp>" % c.dt.strftime("%Y%m%d%H%M%S"),
             extra=["Auto-Submitted: auto-replied"])
    h.append('Content-Type: multipart/report; report-type=delivery-status;\n boundary="%s"' % bnd)
    return build(h, multipart(bnd, parts, preamble=b"This is a MIME-encapsulated message.\n\n"))


@case("bounce-postfix-jis-template", "bounce", "配送できなかったメールのお知らせ", "メール配送システム",
      ["配送できなかったメール", "再度送信してください"])
def _(c):
    """Postfix with a Japanese ISO-2022-JP bounce template (Subject and From encoded), delivery-status with extra blank lines"""
    human = """\
こちらは mx.example.jp のメール配送システムです。

お送りいただいたメールは、以下の宛先に配送できなかったメールとして返送されました。
宛先のメールボックスが一杯になっています。
時間をおいて再度送信してください。

<full@example.jp>: host mx2.example.jp[192.0.2.26] said: 552 5.2.2
    <full@example.jp>: Mailbox full
"""
    status = """\

Reporting-MTA: dns; mx.example.jp
X-Postfix-Queue-ID: 7D8E9F0A12
Arrival-Date: %s


Final-Recipient: rfc822; full@example.jp
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 <full@example.jp>: Mailbox full


""" % c.earlier(2)
    bnd = "7D8E9F0A12.%d/mx.example.jp" % (1794182400 + c.num)
    parts = [
        build(["Content-Description: Notification",
               "Content-Type: text/plain; charset=ISO-2022-JP",
               "Content-Transfer-Encoding: 7bit"], text(human, "jis")),
        build(["Content-Description: Delivery report",
               "Content-Type: message/delivery-status"], b(status)),
        build(["Content-Description: Undelivered Message Headers",
               "Content-Type: text/rfc822-headers"],
              b(orig_headers(c, ewj("防災訓練の参加者名簿"), to="full@example.jp"))),
    ]
    h = head(c, ewj("配送できなかったメールのお知らせ"),
             named("メール配送システム", "MAILER-DAEMON@mx.example.jp", "jis"),
             mid="<%s.7D8E9F0A12@mx.example.jp>" % c.dt.strftime("%Y%m%d%H%M%S"),
             extra=["Auto-Submitted: auto-replied"])
    h.append('Content-Type: multipart/report; report-type=delivery-status;\n boundary="%s"' % bnd)
    return build(h, multipart(bnd, parts))


@case("bounce-qmail-jis-copy", "bounce", "failure notice", "",
      ["工事の進捗状況を報告", "現場写真は後日"],
      py={"body": "no MIME headers (us-ascii): Python leaves the copied ISO-2022-JP escapes undecoded"})
def _(c):
    """qmail bounce without MIME headers: ASCII text followed by a copy of the original ISO-2022-JP message (raw escapes in a us-ascii body)"""
    orig_body = jis("例示市 建設課 御中\n\n工事の進捗状況を報告いたします。\n現場写真は後日お送りします。\n")
    body = (b"Hi. This is the qmail-send program at mail.example.co.jp.\n"
            b"I'm afraid I wasn't able to deliver your message to the following addresses.\n"
            b"This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
            b"<kensetsu-old@example.co.jp>:\n"
            b"Sorry, no mailbox here by that name. (#5.1.1)\n\n"
            b"--- Below this line is a copy of the message.\n\n"
            b"Return-Path: <kensetsu@city.example.lg.jp>\n"
            b"Received: (qmail 12345 invoked from network); " + b(c.earlier(1)) + b"\n"
            b"Date: " + b(c.earlier(2)) + b"\n"
            b"From: " + b(named("清水 隆", "kensetsu@city.example.lg.jp", "jis")) + b"\n"
            b"To: kensetsu-old@example.co.jp\n"
            b"Subject: " + b(ewj("工事の進捗状況")) + b"\n"
            b"MIME-Version: 1.0\n"
            b"Content-Type: text/plain; charset=ISO-2022-JP\n"
            b"Content-Transfer-Encoding: 7bit\n\n" + orig_body)
    h = ["Return-Path: <>",
         "Date: " + c.date,
         "From: MAILER-DAEMON@mail.example.co.jp",
         "To: kensetsu@city.example.lg.jp",
         "Subject: failure notice",
         "Message-ID: " + c.mid("mail.example.co.jp")]
    return build(h, body)


@case("bounce-qmail-ja-mime", "bounce", "failure notice", "",
      ["宛先のメールアドレスは存在しません", "このメールは自動送信"])
def _(c):
    """qmail bounce with a Japanese explanation, text/plain ISO-2022-JP (localised qmail-send template)"""
    body = """\
Hi. This is the qmail-send program at mail.example.ne.jp.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

こちらは mail.example.ne.jp の配送プログラムです。
次の宛先にメールを配送できませんでした。
宛先のメールアドレスは存在しません。
このメールは自動送信されています。

<old-user@example.ne.jp>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

Return-Path: <shimin@city.example.lg.jp>
Subject: %s
""" % ewj("住民票の交付について")
    h = head(c, "failure notice", "MAILER-DAEMON@mail.example.ne.jp", to="shimin@city.example.lg.jp",
             mid=c.mid("mail.example.ne.jp"))
    return single(h, body, "jis", "7bit")


def exchange_status(c, rcpt, status, diag, action="failed"):
    return """\
Reporting-MTA: dns;TY%sMB1234.jpnprd01.prod.outlook.example.com
Received-From-MTA: dns;TY%sMB5678.jpnprd01.prod.outlook.example.com
Arrival-Date: %s

Final-Recipient: rfc822;%s
Action: %s
Status: %s
Diagnostic-Code: smtp;%s
""" % (c.hx(4).upper(), c.hx(4, "r").upper(), c.earlier(1), rcpt, action, status, diag)


@case("bounce-exchange-ndr-jis", "bounce", "配信不能: 入札参加資格審査の結果について", "Microsoft Outlook",
      ["メッセージを配信できませんでした", "受信者のメールアドレスが見つかりません"])
def _(c):
    """Exchange NDR: multipart/report with a Japanese ISO-2022-JP human-readable part, delivery-status, text/rfc822-headers with encoded Japanese Subject"""
    human = """\
次の受信者またはグループへのメッセージを配信できませんでした:

kyu-tanto@example.co.jp
受信者のメールアドレスが見つかりません。
メールアドレスを確認してから、メッセージを再送信してください。

このメッセージは自動的に送信されました。返信しないでください。
"""
    bnd = "_%s_" % c.hx(36, "ndr")
    parts = [
        build(['Content-Type: text/plain; charset="iso-2022-jp"',
               "Content-Transfer-Encoding: 7bit"], text(human, "jis")),
        build(["Content-Type: message/delivery-status"],
              b(exchange_status(c, "kyu-tanto@example.co.jp", "5.1.10",
                                "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"))),
        build(["Content-Type: text/rfc822-headers"],
              b(orig_headers(c, ew("入札参加資格審査の結果について", "jis", charset="iso-2022-jp"),
                             frm=named("契約課", KEIYAKU, "jis"), to="kyu-tanto@example.co.jp"))),
    ]
    h = head(c, ew("配信不能: 入札参加資格審査の結果について", "jis", charset="iso-2022-jp", maxlen=76, sep="\n\t"),
             "Microsoft Outlook\n <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@city.example.lg.jp>",
             to=KEIYAKU, mid="<%s@TY%sMB1234.jpnprd01.prod.outlook.example.com>" % (c.hx(32).upper(), c.hx(4).upper()),
             extra=["Auto-Submitted: auto-replied", "X-MS-Exchange-Message-Is-Ndr: ",
                    "Content-Language: ja-JP"])
    h.append('Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="%s"' % bnd)
    return build(h, multipart(bnd, parts))


@case("bounce-exchange-ndr-html", "bounce", "配信不能: 住民説明会の開催通知", "Microsoft Outlook",
      ["配信できませんでした", "受信者のメールボックスがいっぱい"])
def _(c):
    """Exchange Online NDR: multipart/report [multipart/alternative [text utf-8 QP, html utf-8 QP], delivery-status, text/rfc822-headers]"""
    lines = """\
配信できませんでした
受信者のメールボックスがいっぱいのため、
メッセージを配信できませんでした。
受信者に連絡して、
メールボックスの空き容量を増やしてもらってください。
"""
    bnd = "_%s_" % c.hx(36, "ndr")
    bnd_alt = "_%s_" % c.hx(36, "alt")
    htm = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
           '</head><body><div style="font-family:\'Segoe UI\',Frutiger,Arial,sans-serif">\n'
           + "".join('<p style="font-size:15px">%s</p>\n' % esc(l) for l in lines.rstrip("\n").split("\n"))
           + '</div></body></html>\n')
    alt = multipart(bnd_alt, [
        part("text/plain; charset=\"utf-8\"", "quoted-printable", text(lines)),
        part("text/html; charset=\"utf-8\"", "quoted-printable", enc(htm, "utf8")),
    ])
    parts = [
        build(['Content-Type: multipart/alternative; differences=Content-Type;\n\tboundary="%s"' % bnd_alt], alt),
        build(["Content-Type: message/delivery-status"],
              b(exchange_status(c, "jichikai-kaicho@example.jp", "5.2.2",
                                "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException"))),
        build(["Content-Type: text/rfc822-headers"],
              b(orig_headers(c, ew("住民説明会の開催通知", charset="utf-8"),
                             frm=named("都市計画課", "toshikeikaku@city.example.lg.jp"),
                             to="jichikai-kaicho@example.jp"))),
    ]
    h = head(c, ew("配信不能: 住民説明会の開催通知", charset="utf-8", maxlen=76, sep="\n\t"),
             "Microsoft Outlook <postmaster@city.example.lg.jp>",
             to="toshikeikaku@city.example.lg.jp",
             mid="<%s@TY%sMB1234.jpnprd01.prod.outlook.example.com>" % (c.hx(32).upper(), c.hx(4).upper()),
             extra=["Auto-Submitted: auto-replied", "Content-Language: ja-JP"])
    h.append('Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="%s"' % bnd)
    return build(h, multipart(bnd, parts))


@case("bounce-docomo-sjis", "bounce", "メール送信エラー", "Mail Delivery Subsystem",
      ["送信したメールは相手に届きませんでした", "宛先のアドレスが存在しない"])
def _(c):
    """Carrier MAILER-DAEMON in Japanese: multipart/report, Shift_JIS 8bit human part, delivery-status with blank lines and trailing spaces between groups"""
    human = """\
送信したメールは相手に届きませんでした。
宛先のアドレスが存在しないか、受信を拒否されています。
宛先をご確認のうえ、再度送信してください。
"""
    status = ("\n"
              "Reporting-MTA: dns; mfsmax.docomo.example.ne.jp   \n"
              "Arrival-Date: %s\n"
              "\n"
              " \n"
              "Final-Recipient: RFC822; unknown-user@docomo.example.ne.jp\n"
              "Action: failed\n"
              "Status: 5.1.1\n"
              "Diagnostic-Code: SMTP; 550 Unknown user unknown-user@docomo.example.ne.jp\n"
              "\n"
              "\n") % c.earlier(1)
    bnd = "%s/mfsmax.docomo.example.ne.jp" % c.hx(12).upper()
    parts = [
        build(['Content-Type: text/plain; charset="Shift_JIS"',
               "Content-Transfer-Encoding: 8bit"], text(human, "sjis")),
        build(["Content-Type: message/delivery-status"], b(status)),
        build(["Content-Type: text/rfc822-headers"],
              b(orig_headers(c, ewj("公民館まつりの出店について"), frm="kominkan@city.example.lg.jp",
                             to="unknown-user@docomo.example.ne.jp"))),
    ]
    h = head(c, ewj("メール送信エラー"), "Mail Delivery Subsystem <MAILER-DAEMON@docomo.example.ne.jp>",
             to="kominkan@city.example.lg.jp", mid=c.mid_ts("mfsmax.docomo.example.ne.jp"),
             extra=["Auto-Submitted: auto-generated (failure)"])
    h.append('Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="%s"' % bnd)
    return build(h, multipart(bnd, parts))


@case("bounce-au-jis-plain", "bounce", "メールが届きませんでした", "MAILER-DAEMON",
      ["宛先不明のため", "受信拒否設定"])
def _(c):
    """au MAILER-DAEMON: single text/plain ISO-2022-JP Japanese bounce with the original message quoted after a marker"""
    body = """\
このメールは au のメールサーバーから自動的に送信されています。

宛先不明のため、お送りいただいたメールを配信できませんでした。
アドレスの誤りか、受信拒否設定の可能性があります。

----- Original message -----
To: no-such-user@ezweb.example.ne.jp
Subject: 予防接種のお知らせ

例示市 健康推進課です。
"""
    h = head(c, ewj("メールが届きませんでした"), '"MAILER-DAEMON" <MAILER-DAEMON@ezweb.example.ne.jp>',
             to="kenko@city.example.lg.jp", mid=c.mid_ts("ezweb.example.ne.jp"),
             extra=["Auto-Submitted: auto-replied"])
    return single(h, body, "jis", "7bit")


@case("bounce-sendmail-transcript", "bounce", "Returned mail: see transcript for details", "Mail Delivery Subsystem",
      ["管理者からのお知らせ", "転送先の設定が誤って"])
def _(c):
    """sendmail bounce: multipart/report, ISO-2022-JP human part with the SMTP transcript and a Japanese admin note; text/rfc822-headers with encoded Japanese Subject and From"""
    human = """\
The original message was received at %s
from lgwan-gw.city.example.lg.jp [192.0.2.10]

   ----- The following addresses had permanent fatal errors -----
<forward-loop@example.jp>
    (reason: 554 5.4.6 Too many hops)

   ----- Transcript of session follows -----
554 5.4.6 Too many hops 26 (25 max)

管理者からのお知らせ
転送先の設定が誤っているため、メールが配送できませんでした。
""" % c.earlier(5)
    status = """\
Reporting-MTA: dns; relay.example.jp
Received-From-MTA: DNS; lgwan-gw.city.example.lg.jp
Arrival-Date: %s

Final-Recipient: RFC822; forward-loop@example.jp
Action: failed
Status: 5.4.6
Last-Attempt-Date: %s
""" % (c.earlier(5), c.earlier(4))
    bnd = "%s.%d/relay.example.jp" % (c.hx(10).upper(), 1794182400 + c.num)
    parts = [
        build(["Content-Type: text/plain; charset=ISO-2022-JP", "Content-Transfer-Encoding: 7bit"],
              text(human, "jis")),
        build(["Content-Type: message/delivery-status"], b(status)),
        build(["Content-Type: text/rfc822-headers"],
              b(orig_headers(c, ewj("広報誌の配布先名簿"), frm=named("広報課 佐藤", "koho@city.example.lg.jp", "jis"),
                             to="forward-loop@example.jp"))),
    ]
    h = head(c, "Returned mail: see transcript for details",
             "Mail Delivery Subsystem <MAILER-DAEMON@relay.example.jp>", to="koho@city.example.lg.jp",
             mid="<%s.%s@relay.example.jp>" % (c.dt.strftime("%Y%m%d%H%M"), c.hx(8)),
             extra=["Auto-Submitted: auto-generated (failure)"])
    h.append('Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="%s"' % bnd)
    return build(h, multipart(bnd, parts, preamble=b"This is a MIME-encapsulated message\n\n"))


@case("bounce-exchange-delayed", "bounce", "配信の遅延: 定例会議の資料", "Microsoft Outlook",
      ["配信が遅延しています", "配信を再試行します"])
def _(c):
    """Exchange delay DSN (Action: delayed), human part UTF-8 base64 in Japanese, text/rfc822-headers"""
    human = """\
このメッセージの配信が遅延しています。
サーバーは引き続き配信を再試行します。
2日間配信できなかった場合は、通知が送信されます。

遅延している受信者:
partner@example.co.jp
"""
    bnd = "_%s_" % c.hx(36, "dly")
    parts = [
        build(['Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: base64"], b64text(text(human))),
        build(["Content-Type: message/delivery-status"],
              b(exchange_status(c, "partner@example.co.jp", "4.4.7",
                                "400 4.4.7 Message delayed", action="delayed"))),
        build(["Content-Type: text/rfc822-headers"],
              b(orig_headers(c, ew("定例会議の資料", charset="utf-8"), to="partner@example.co.jp"))),
    ]
    h = head(c, ew("配信の遅延: 定例会議の資料", charset="utf-8", maxlen=76),
             "Microsoft Outlook <postmaster@city.example.lg.jp>", to=SOUMU,
             mid="<%s@TY%sMB1234.jpnprd01.prod.outlook.example.com>" % (c.hx(32).upper(), c.hx(4).upper()),
             extra=["Auto-Submitted: auto-replied", "Content-Language: ja-JP"])
    h.append('Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="%s"' % bnd)
    return build(h, multipart(bnd, parts))


# ===========================================================================
# header edge cases
# ===========================================================================

def edge(c, subject, frm=None, body="", codec="utf8", cte="8bit", to=SOUMU, extra=(), mime=True):
    frm = frm if frm is not None else named("佐藤 花子", "hanako.sato@example.co.jp")
    h = head(c, subject, frm, to=to, mid=c.mid("mail.example.co.jp"), extra=extra)
    return single(h, body, codec, cte)


def raw_name_ok(raw, quoted=False):
    """A raw (unencoded) display name must not contain bytes that would end
    the phrase or quoted string early."""
    bad = b'"\\' if quoted else b'"\\()<>[]:;@,.'
    if any(ch in bad for ch in raw):
        raise ValueError("raw name contains a special: %r" % raw)
    return raw


@case("hdr-utf7-alias", "header-edge", "防災訓練の実施について", "佐藤 花子",
      ["総合防災訓練を実施", "参加者名簿の提出"])
def _(c):
    """Subject encoded word with charset UNICODE-1-1-UTF-7 (UTF-7 bytes, B encoded)"""
    body = "各位\n\n12月3日に総合防災訓練を実施します。\n参加者名簿の提出をお願いします。\n"
    subj = "=?UNICODE-1-1-UTF-7?B?%s?=" % b64s(enc("防災訓練の実施について", "utf7"))
    return edge(c, subj, body=body)


@case("hdr-x-sjis", "header-edge", "入札説明会の開催について", "佐藤 花子",
      ["入札説明会を開催", "参加を希望する事業者"],
      py={"subject": "Python has no codec for the x-sjis alias"})
def _(c):
    """Subject encoded word labelled x-sjis (Shift_JIS bytes)"""
    body = "関係各位\n\n下水道工事の入札説明会を開催します。\n参加を希望する事業者は申込書を提出してください。\n"
    subj = "=?x-sjis?B?%s?=" % b64s(enc("入札説明会の開催について", "sjis"))
    return edge(c, subj, body=body, to=KEIYAKU)


@case("hdr-shift-jis-dash", "header-edge", "会議室の予約変更", "伊藤 美咲",
      ["会議室の予約を変更", "第3会議室に変更"])
def _(c):
    """Subject and From name labelled Shift-JIS (dash instead of underscore)"""
    body = "総務課 様\n\n明日の会議室の予約を変更させてください。\n第2会議室から第3会議室に変更をお願いします。\n"
    subj = "=?Shift-JIS?B?%s?=" % b64s(enc("会議室の予約変更", "sjis"))
    frm = "=?Shift-JIS?B?%s?= <misaki.ito@example.co.jp>" % b64s(enc("伊藤 美咲", "sjis"))
    return edge(c, subj, frm, body=body)


@case("hdr-sjis", "header-edge", "納品書送付のご案内", "佐藤 花子",
      ["納品書を送付いたします", "検収のほど"])
def _(c):
    """Subject encoded word labelled SJIS"""
    body = "例示市 総務課 御中\n\n事務用品の納品書を送付いたします。\n検収のほどよろしくお願いいたします。\n"
    subj = "=?SJIS?B?%s?=" % b64s(enc("納品書送付のご案内", "sjis"))
    return edge(c, subj, body=body)


@case("hdr-cp932", "header-edge", "㈱例示システム 保守点検のご案内", "佐藤 花子",
      ["定期保守点検を実施", "作業時間は約2時間"])
def _(c):
    """Subject encoded word labelled CP932 holding ㈱ (NEC row 13)"""
    body = "情報政策課 御中\n\n来週、基幹系サーバの定期保守点検を実施いたします。\n作業時間は約2時間の予定です。\n"
    subj = "=?CP932?B?%s?=" % b64s(enc("㈱例示システム 保守点検のご案内", "sjis"))
    return edge(c, subj, body=body, to=JOHO)


@case("hdr-windows-31j", "header-edge", "道路占用許可申請の受付について", "佐藤 花子",
      ["占用許可申請の受付", "窓口は道路課です"],
      py={"subject": "Python has no codec for the Windows-31J alias"})
def _(c):
    """Subject encoded word labelled Windows-31J"""
    body = "関係事業者 各位\n\n道路占用許可申請の受付について、年末年始の予定をお知らせします。\n窓口は道路課です。\n"
    subj = "=?Windows-31J?B?%s?=" % b64s(enc("道路占用許可申請の受付について", "sjis"))
    return edge(c, subj, body=body)


@case("hdr-euc-jp", "header-edge", "会議録の公開について", "中村 由美",
      ["会議録を公開しました", "市のホームページ"])
def _(c):
    """Subject as EUC-JP B word, From name as EUC-JP Q word; EUC-JP 8bit body"""
    body = "市民の皆様へ\n\n審議会の会議録を公開しました。\n市のホームページからご覧いただけます。\n"
    subj = "=?EUC-JP?B?%s?=" % b64s(enc("会議録の公開について", "euc"))
    frm = "=?EUC-JP?Q?%s?= <yumi.nakamura@example.co.jp>" % q_encode(enc("中村 由美", "euc"))
    return edge(c, subj, frm, body=body, codec="euc")


@case("hdr-x-euc-jp", "header-edge", "住民票の写しの郵送請求", "佐藤 花子",
      ["郵送で請求する場合", "返信用封筒"],
      py={"subject": "Python has no codec for the x-euc-jp alias"})
def _(c):
    """Subject encoded word labelled x-euc-jp"""
    body = "市民課 ご担当者様\n\n住民票の写しを郵送で請求する場合の手続きを教えてください。\n返信用封筒は必要でしょうか。\n"
    subj = "=?x-euc-jp?B?%s?=" % b64s(enc("住民票の写しの郵送請求", "euc"))
    return edge(c, subj, body=body, to="shimin@city.example.lg.jp")


@case("hdr-iso-2022-jp-ms", "header-edge", "①説明会 ②見学会のご案内(㈱例示)", "佐藤 花子",
      ["説明会と見学会を開催", "参加申込書を添付"],
      py={"subject": "Python has no codec for ISO-2022-JP-MS"})
def _(c):
    """Subject encoded word labelled ISO-2022-JP-MS holding ① ② ㈱"""
    body = "関係各位\n\n新しい清掃工場の説明会と見学会を開催いたします。\n参加申込書を添付しますのでご利用ください。\n"
    subj = "=?ISO-2022-JP-MS?B?%s?=" % b64s(enc("①説明会 ②見学会のご案内(㈱例示)", "jis"))
    return edge(c, subj, body=body)


@case("hdr-jis-lower-q", "header-edge", "健康診断のお知らせ", "佐藤 花子",
      ["定期健康診断を実施", "問診票を記入"])
def _(c):
    """Subject as lower-case iso-2022-jp Q words (all bytes hex-escaped), split into several words"""
    body = "職員各位\n\n12月に定期健康診断を実施します。\n事前に問診票を記入してお持ちください。\n"
    subj = ew("健康診断のお知らせ", "jis", charset="iso-2022-jp", mode="Q", maxlen=75)
    return edge(c, subj, body=body, to="all-staff@city.example.lg.jp")


@case("hdr-utf8-nodash", "header-edge", "研修会資料の送付", "佐藤 花子",
      ["研修会の資料を送付", "当日は印刷して"])
def _(c):
    """Subject encoded word labelled utf8 (no dash)"""
    body = "受講者各位\n\n来週の研修会の資料を送付します。\n当日は印刷してお持ちください。\n"
    subj = "=?utf8?B?%s?=" % b64s(enc("研修会資料の送付", "utf8"))
    return edge(c, subj, body=body)


@case("hdr-utf8-lang", "header-edge", "子ども医療費助成の申請", "佐藤 花子",
      ["医療費助成の申請書", "保険証の写し"])
def _(c):
    """Subject encoded word with an RFC 2231 language suffix: =?UTF-8*ja?B?...?="""
    body = "子育て支援課 様\n\n子ども医療費助成の申請書を提出します。\n保険証の写しを同封しました。\n"
    subj = "=?UTF-8*ja?B?%s?=" % b64s(enc("子ども医療費助成の申請", "utf8"))
    return edge(c, subj, body=body, to="kosodate@city.example.lg.jp")


@case("hdr-b-extra-pad", "header-edge", "請求書の送付について", "佐藤 花子",
      ["請求書を送付いたします", "お支払期日は"])
def _(c):
    """ISO-2022-JP B word with an extra '=' after correct padding (ends '==' where '=' is right)"""
    body = "会計課 御中\n\n10月分の請求書を送付いたします。\nお支払期日は11月30日です。\n"
    payload = b64s(enc("請求書の送付について", "jis"))
    assert payload.endswith("=") and not payload.endswith("==")
    subj = "=?ISO-2022-JP?B?%s=?=" % payload
    return edge(c, subj, body=body, to="kaikei@city.example.lg.jp")


@case("hdr-b-missing-pad", "header-edge", "第2回 検討会のお知らせ", "林 優子",
      ["第2回検討会を開催", "前回の議事録"])
def _(c):
    """UTF-8 B words with the padding stripped (Subject missing '=', From name missing '==')"""
    body = "委員各位\n\n第2回検討会を開催いたします。\n前回の議事録を添付します。\n"
    s = b64s(enc("第2回 検討会のお知らせ", "utf8"))
    n = b64s(enc("林 優子", "utf8"))
    assert s.endswith("=") and not s.endswith("==") and n.endswith("==")
    subj = "=?UTF-8?B?%s?=" % s.rstrip("=")
    frm = "=?UTF-8?B?%s?= <yuko.hayashi@example.co.jp>" % n.rstrip("=")
    return edge(c, subj, frm, body=body)


@case("hdr-b-concat-equals", "header-edge", "会議の日程調整", "佐藤 花子",
      ["会議の日程を調整", "ご都合の良い日"])
def _(c):
    """One B word made of two base64 runs joined by '=' (5pel=5pys style); each 4-char group is complete, so the text is the concatenation"""
    body = "関係各位\n\n来月の会議の日程を調整しております。\nご都合の良い日をお知らせください。\n"
    a, b_ = b64s(enc("会議の", "utf8")), b64s(enc("日程調整", "utf8"))
    assert "=" not in a + b_
    subj = "=?UTF-8?B?%s=%s?=" % (a, b_)
    return edge(c, subj, body=body)


@case("hdr-utf8-split-3", "header-edge", "住民票の写しの交付申請について", "佐藤 花子",
      ["交付申請の受付時間", "本人確認書類を"])
def _(c):
    """UTF-8 Subject in four B words split inside multibyte characters, folded on four lines"""
    body = "市民課 様\n\n住民票の写しの交付申請の受付時間を教えてください。\n本人確認書類を持参します。\n"
    raw = enc("住民票の写しの交付申請について", "utf8")
    cuts = [0, 4, 17, 31, len(raw)]
    assert all(x % 3 for x in cuts[1:-1])
    words = ["=?UTF-8?B?%s?=" % b64s(raw[a:z]) for a, z in zip(cuts, cuts[1:])]
    return edge(c, "\n ".join(words), body=body, to="shimin@city.example.lg.jp")


@case("hdr-jis-split-state", "header-edge", "選挙事務従事者説明会の開催", "佐藤 花子",
      ["従事者説明会を開催", "投票所の運営"],
      py={"subject": "Python decodes each encoded word on its own; the JIS shift state of word 1 is lost in words 2 and 3"})
def _(c):
    """ISO-2022-JP Subject split into three B words where only the first has ESC $ B and only the last ESC ( B (shift state carries across words)"""
    body = "選挙事務従事者 各位\n\n選挙事務の従事者説明会を開催します。\n投票所の運営について説明します。\n"
    raw = enc("選挙事務従事者説明会の開催", "jis")
    assert raw.startswith(ESC_JIS) and raw.endswith(ESC_ASCII)
    w1, w2, w3 = raw[:3 + 8], raw[3 + 8:3 + 18], raw[3 + 18:]
    words = ["=?ISO-2022-JP?B?%s?=" % b64s(w) for w in (w1, w2, w3)]
    return edge(c, "\n ".join(words), body=body, to="senkyo@city.example.lg.jp")


@case("hdr-jis-split-midpair", "header-edge", "防災行政無線の試験放送", "佐藤 花子",
      ["試験放送を行います", "放送内容は"],
      py={"subject": "Python decodes each encoded word on its own, so a JIS pair split across words is lost"})
def _(c):
    """ISO-2022-JP Subject in two B words split between the two bytes of a JIS character"""
    body = "市民の皆様へ\n\n防災行政無線の試験放送を行います。\n放送内容は次のとおりです。\n"
    raw = enc("防災行政無線の試験放送", "jis")
    w1, w2 = raw[:3 + 7], raw[3 + 7:]
    words = ["=?ISO-2022-JP?B?%s?=" % b64s(w) for w in (w1, w2)]
    return edge(c, "\n ".join(words), body=body, to=BOUSAI)


@case("hdr-blank-continuation", "header-edge", "議会答弁資料の確認依頼", "佐藤 花子",
      ["答弁資料の案を作成", "修正があれば"])
def _(c):
    """Folded Subject whose middle continuation line holds only a space: the two encoded words join with no space"""
    body = "部長\n\n議会答弁資料の案を作成しました。\n修正があればご指示ください。\n"
    subj = "%s\n \n %s" % (ewj("議会答弁資料"), ewj("の確認依頼"))
    return edge(c, subj, body=body, to=KIKAKU)


@case("hdr-quoted-ew-name", "header-edge", "会計年度任用職員の募集", "中村 由美",
      ["任用職員の募集について", "応募書類の締切"])
def _(c):
    """From: "=?ISO-2022-JP?B?...?=" <...> -- encoded word inside a quoted string, decoded as clients do"""
    body = "人事課 様\n\n会計年度任用職員の募集についてお尋ねします。\n応募書類の締切はいつでしょうか。\n"
    frm = '"%s" <yumi.nakamura@example.co.jp>' % ewj("中村 由美", maxlen=200)
    return edge(c, ewj("会計年度任用職員の募集"), frm, body=body, to="jinji@city.example.lg.jp")


@case("hdr-quoted-ew-sama", "header-edge", "打合せのお礼", "山本 和也 様",
      ["先日はお忙しい中", "引き続きよろしく"],
      py={"from": "Python does not decode raw 8-bit UTF-8 in an address header"})
def _(c):
    """From: "=?UTF-8?B?...?= 様" <...> -- encoded word then raw UTF-8 text inside one quoted string"""
    body = "例示市 企画課 御中\n\n先日はお忙しい中、打合せのお時間をいただきありがとうございました。\n引き続きよろしくお願いいたします。\n"
    frm = b'"' + b(ew("山本 和也", maxlen=200)) + " 様".encode("utf-8") + b'" <kazuya.yamamoto@example.co.jp>'
    return edge(c, ew("打合せのお礼"), frm, body=body, to=KIKAKU)


@case("hdr-raw-utf8", "header-edge", "【至急】庁舎停電に伴うサーバ停止のお知らせ", "情報政策課 小林 誠",
      ["サーバを停止します", "保存してから退庁"],
      py={"from": "Python does not decode raw 8-bit UTF-8 in an address header"})
def _(c):
    """Raw 8-bit UTF-8 Subject and From display name (no encoded words, RFC 6532 style)"""
    body = "職員各位\n\n庁舎停電に伴い、土曜日の朝8時にサーバを停止します。\n作業中のファイルは保存してから退庁してください。\n"
    subj = "【至急】庁舎停電に伴うサーバ停止のお知らせ".encode("utf-8")
    frm = "情報政策課 小林 誠".encode("utf-8") + b" <makoto.kobayashi@city.example.lg.jp>"
    return edge(c, subj, frm, body=body, to="all-staff@city.example.lg.jp")


@case("hdr-raw-sjis", "header-edge", "介護認定審査会の資料送付", "介護保険課 松本",
      ["審査会の資料を送付", "取扱いにご注意"],
      py={"subject": "Python keeps raw 8-bit header bytes undecoded", "from": "Python keeps raw 8-bit header bytes undecoded"})
def _(c):
    """Raw 8-bit Shift_JIS (CP932) Subject and From display name, Shift_JIS body"""
    body = "委員各位\n\n次回の介護認定審査会の資料を送付します。\n個人情報を含みますので取扱いにご注意ください。\n"
    subj = enc("介護認定審査会の資料送付", "sjis")
    frm = raw_name_ok(enc("介護保険課 松本", "sjis")) + b" <kaigo@city.example.lg.jp>"
    return edge(c, subj, frm, body=body, codec="sjis", to="shinsakai@example.jp")


@case("hdr-raw-eucjp", "header-edge", "下水道使用料の改定について", "上下水道課 森",
      ["使用料を改定します", "改定後の料金表"],
      py={"subject": "Python keeps raw 8-bit header bytes undecoded", "from": "Python keeps raw 8-bit header bytes undecoded"})
def _(c):
    """Raw 8-bit EUC-JP Subject and From display name, EUC-JP body"""
    body = "市民の皆様へ\n\n令和9年4月から下水道使用料を改定します。\n改定後の料金表を掲載します。\n"
    subj = enc("下水道使用料の改定について", "euc")
    frm = raw_name_ok(enc("上下水道課 森", "euc")) + b" <gesuido@city.example.lg.jp>"
    return edge(c, subj, frm, body=body, codec="euc")


@case("hdr-raw-jis", "header-edge", "市民相談窓口の開設時間", "市民相談室 清水",
      ["相談窓口の開設時間", "予約制となります"],
      py={"subject": "Python does not interpret raw ISO-2022-JP escapes in headers", "from": "Python does not interpret raw ISO-2022-JP escapes in headers"})
def _(c):
    """Raw 7bit ISO-2022-JP escape sequences directly in Subject and in a quoted From display name (no encoded words, old Japanese mailers)"""
    body = "各位\n\n市民相談窓口の開設時間を変更します。\n12月からは予約制となります。\n"
    subj = enc("市民相談窓口の開設時間", "jis")
    frm = b'"' + raw_name_ok(enc("市民相談室 清水", "jis"), quoted=True) + b'" <soudan@city.example.lg.jp>'
    return edge(c, subj, frm, body=body, codec="jis", cte="7bit")


@case("hdr-jis-cp932-ext", "header-edge", "②契約変更の協議(㈱例示設備)", "髙木 誠",
      ["契約変更の協議", "変更理由書を提出"],
      py={"subject": "Python's iso2022_jp codec rejects NEC row 13 cells", "from": "Python's iso2022_jp codec rejects the IBM extension cell of 髙"})
def _(c):
    """CP932-only characters ② ㈱ 髙 inside encoded words labelled ISO-2022-JP (Subject and From)"""
    body = "契約課 御中\n\n空調設備工事の契約変更の協議をお願いいたします。\n変更理由書を提出いたします。\n"
    return edge(c, ewj("②契約変更の協議(㈱例示設備)"), named("髙木 誠", "makoto.takagi@example.co.jp", "jis"),
                body=body, to=KEIYAKU)


@case("hdr-sjis-cp932-ext", "header-edge", "①議事録送付 ㈱例示工業 髙野", "髙野 恵",
      ["議事録を送付します", "次回は12月です"],
      py={"subject": "Python's shift_jis codec rejects NEC row 13 / IBM extension codes", "from": "Python's shift_jis codec rejects the IBM extension code of 髙"})
def _(c):
    """CP932-only characters ① ㈱ 髙 (髙 as IBM code FBFC) inside encoded words labelled Shift_JIS (Subject and From)"""
    body = "関係各位\n\n先日の打合せの議事録を送付します。\n次回は12月です。\n"
    return edge(c, ew("①議事録送付 ㈱例示工業 髙野", "sjis"), named("髙野 恵", "megumi.takano@example.co.jp", "sjis"),
                body=body)


@case("hdr-mixed-ascii", "header-edge", "[soumu 00123] 定例会議 (2026) 資料送付", "佐藤 花子",
      ["定例会議の資料を送付", "事前にご一読"])
def _(c):
    """Subject mixing ASCII text and ISO-2022-JP words: the spaces between a word and plain text stay"""
    body = "メーリングリスト各位\n\n定例会議の資料を送付します。\n事前にご一読ください。\n"
    subj = "[soumu 00123] %s (2026)\n %s" % (ewj("定例会議"), ewj("資料送付"))
    return edge(c, subj, body=body)


@case("hdr-re-fwd", "header-edge", "Re: Fwd: 補助金交付申請書の提出について", "佐藤 花子",
      ["交付申請書を受け付け", "不足書類はありません"])
def _(c):
    """Subject 'Re: Fwd: ' plain ASCII prefixes before a UTF-8 encoded word"""
    body = "商工課 様\n\n補助金の交付申請書を受け付けました。\n不足書類はありません。\n"
    return edge(c, "Re: Fwd: " + ew("補助金交付申請書の提出について"), body=body, to="shoko@city.example.lg.jp")


LONG_SUBJECT = ("【重要】令和9年度例示市総合防災訓練の実施計画(案)に関する各課への意見照会"
                "および避難所運営訓練への参加者推薦のお願いについて(回答期限11月30日)")


@case("hdr-long-folded", "header-edge", LONG_SUBJECT, "渡辺 健太",
      ["総合防災訓練の実施計画", "参加者の推薦を"])
def _(c):
    """Very long ISO-2022-JP Subject folded into many encoded words (5+ continuation lines)"""
    body = "各課長 様\n\n令和9年度の総合防災訓練の実施計画(案)について意見を照会します。\nあわせて避難所運営訓練の参加者の推薦をお願いします。\n"
    subj = ewj(LONG_SUBJECT, maxlen=50)
    assert subj.count("\n") >= 5
    return edge(c, subj, named("渡辺 健太", "kenta.watanabe@city.example.lg.jp", "jis"), body=body,
                to="kacho-all@city.example.lg.jp")


@case("hdr-q-jis-1b", "header-edge", "会議資料の差し替え", "佐藤 花子",
      ["会議資料を差し替え", "最新版をご利用"])
def _(c):
    """ISO-2022-JP Q word with the escapes written =1B$B ... =1B(B and JIS bytes literal"""
    body = "関係各位\n\n明日の会議資料を差し替えました。\n最新版をご利用ください。\n"
    subj = "=?ISO-2022-JP?Q?%s?=" % q_encode_loose(enc("会議資料の差し替え", "jis"))
    assert "=1B$B" in subj
    return edge(c, subj, body=body)


@case("hdr-name-comment", "header-edge", "文書管理規程の改正", "鈴木 一郎",
      ["文書管理規程を改正", "保存年限の区分"])
def _(c):
    """From display name as an unquoted encoded word followed by an encoded comment (総務課) before <addr>; the comment is not part of the name"""
    body = "職員各位\n\n文書管理規程を改正しました。\n保存年限の区分が変わりますのでご注意ください。\n"
    frm = "%s (%s) <ichiro.suzuki@city.example.lg.jp>" % (ewj("鈴木 一郎", maxlen=200), ewj("総務課", maxlen=200))
    return edge(c, ewj("文書管理規程の改正"), frm, body=body, to="all-staff@city.example.lg.jp")


@case("hdr-mixed-charsets", "header-edge", "固定資産税の納付について", "佐藤 花子",
      ["納付書を同封", "口座振替の手続き"])
def _(c):
    """Adjacent encoded words in different charsets (UTF-8 then ISO-2022-JP): joined with no space"""
    body = "納税者 各位\n\n固定資産税の第3期分の納付書を同封しました。\n口座振替の手続きもご利用ください。\n"
    subj = "%s\n %s" % (ew("固定資産税の", maxlen=200), ewj("納付について", maxlen=200))
    return edge(c, subj, body=body, to="zeimu@city.example.lg.jp")


@case("hdr-lowercase-b-q", "header-edge", "ごみ分別アプリの配信開始", "佐藤 花子",
      ["分別アプリの配信", "収集日の通知"])
def _(c):
    """Lower-case encoding letters: =?utf-8?b?...?= followed by =?utf-8?q?...?="""
    body = "市民の皆様へ\n\nごみ分別アプリの配信を開始しました。\n収集日の通知を受け取ることができます。\n"
    subj = "%s %s" % (ew("ごみ分別", charset="utf-8", mode="b", maxlen=200),
                      ew("アプリの配信開始", charset="utf-8", mode="q", maxlen=200))
    return edge(c, subj, body=body, to="kankyo@city.example.lg.jp")


@case("hdr-tab-folding", "header-edge", "上半期の事業報告", "佐藤 花子",
      ["事業報告をまとめました", "各課の進捗"])
def _(c):
    """Subject folded with TAB before each continuation encoded word (Exchange style)"""
    body = "部長\n\n上半期の事業報告をまとめました。\n各課の進捗は別紙のとおりです。\n"
    subj = ew("上半期の事業報告", "jis", maxlen=30, sep="\n\t")
    assert "\n\t" in subj
    return edge(c, subj, body=body, to=KIKAKU)


@case("hdr-utf8-q-underscore", "header-edge", "健康診断 日程 変更のお知らせ", "佐藤 花子",
      ["健康診断の日程", "再調整いたします"])
def _(c):
    """UTF-8 Q words where the spaces of the text are written as '_'"""
    body = "職員各位\n\n健康診断の日程が変更になりました。\n再調整いたしますので、お待ちください。\n"
    subj = ew("健康診断 日程 変更のお知らせ", mode="Q", maxlen=75)
    assert "_" in subj
    return edge(c, subj, body=body, to="all-staff@city.example.lg.jp")


@case("hdr-jis-roman-end", "header-edge", "市営住宅の入居者募集", "佐藤 花子",
      ["入居者を募集します", "申込期間は"])
def _(c):
    """ISO-2022-JP word that returns with ESC ( J (JIS Roman) instead of ESC ( B"""
    body = "市民の皆様へ\n\n市営住宅の入居者を募集します。\n申込期間は12月1日から14日までです。\n"
    raw = jis("市営住宅の入居者募集", roman=True)
    assert raw.endswith(ESC_ROMAN)
    return edge(c, "=?ISO-2022-JP?B?%s?=" % b64s(raw), body=body)


# ===========================================================================
# body charset edge cases
# ===========================================================================

def body_case(c, subject, name, addr, raw_body, ctype, cte, to=SOUMU, extra=(), mime=True, subj_codec="jis"):
    h = head(c, ew(subject, subj_codec), named(name, addr, subj_codec), to=to, mid=c.mid("mail.example.co.jp"),
             extra=extra, mime=mime)
    if ctype:
        h.append("Content-Type: " + ctype)
    if cte:
        h.append("Content-Transfer-Encoding: " + cte)
    return build(h, transfer(raw_body, cte or "7bit"))


@case("body-jis-ext", "body-charset", "測量業務の打合せ", "髙橋 健",
      ["㈱例示測量の髙橋", "①現地調査の日程", "山﨑課長にもよろしく"],
      py={"from": "Python's iso2022_jp codec rejects the IBM extension cell of 髙", "body": "Python's iso2022_jp codec rejects NEC row 13 / IBM extension cells"})
def _(c):
    """ISO-2022-JP 7bit body with NEC row 13 (① ② ③ ㈱ №) and IBM extension (髙 﨑) cells"""
    body = """\
例示市 建設課 御中

いつもお世話になっております。
㈱例示測量の髙橋でございます。
次回の打合せ事項は以下のとおりです。
①現地調査の日程
②基準点の配置(№1から№8)
③成果品の納期
山﨑課長にもよろしくお伝えください。
"""
    return body_case(c, "測量業務の打合せ", "髙橋 健", "takahashi@example.co.jp", text(body, "jis"),
                     "text/plain; charset=ISO-2022-JP", "7bit", to="kensetsu@city.example.lg.jp")


@case("body-sjis-labelled-jis", "body-charset", "文字コード誤りの試験(Shift_JIS)", "佐藤 花子",
      ["電子申請システムの操作説明会", "操作マニュアルを配布"],
      py={"body": "bytes are Shift_JIS but labelled ISO-2022-JP; Python decodes by the label"})
def _(c):
    """Body bytes are Shift_JIS (8bit) but labelled charset=ISO-2022-JP"""
    body = """\
各課 庶務担当 様

電子申請システムの操作説明会を開催します。
当日は操作マニュアルを配布します。
"""
    return body_case(c, "文字コード誤りの試験(Shift_JIS)", "佐藤 花子", "hanako.sato@example.co.jp",
                     text(body, "sjis"), "text/plain; charset=ISO-2022-JP", "8bit")


@case("body-utf8-labelled-jis", "body-charset", "文字コード誤りの試験(UTF-8)", "佐藤 花子",
      ["窓口の混雑状況", "待ち時間の目安"],
      py={"body": "bytes are UTF-8 but labelled ISO-2022-JP; Python decodes by the label"})
def _(c):
    """Body bytes are UTF-8 (8bit) but labelled charset=ISO-2022-JP"""
    body = """\
市民課 各位

窓口の混雑状況をホームページで公開します。
待ち時間の目安も表示されます。
"""
    return body_case(c, "文字コード誤りの試験(UTF-8)", "佐藤 花子", "hanako.sato@example.co.jp",
                     text(body, "utf8"), "text/plain; charset=ISO-2022-JP", "8bit")


@case("body-nolabel-sjis", "body-charset", "見積書送付の件", "小林 誠",
      ["見積書を送付いたします", "有効期限は発行日から"],
      py={"body": "no charset parameter: Python decodes as us-ascii"})
def _(c):
    """text/plain without a charset parameter, Shift_JIS 8bit body"""
    body = """\
例示市 総務課 御中

事務机の更新について、見積書を送付いたします。
有効期限は発行日から30日間です。
"""
    return body_case(c, "見積書送付の件", "小林 誠", "kobayashi@example.co.jp", text(body, "sjis"),
                     "text/plain", "8bit")


@case("body-no-mime-jis", "body-charset", "旧式メーラーからの連絡", "木村 三郎",
      ["古いメールソフトから", "表示されていますか"],
      py={"body": "no MIME headers: Python leaves the ISO-2022-JP escapes undecoded"})
def _(c):
    """No MIME-Version, no Content-Type: ISO-2022-JP body as pre-MIME Japanese mailers sent it"""
    body = """\
総務課 様

古いメールソフトから送信しています。
文字化けせずに表示されていますか。

木村
"""
    return body_case(c, "旧式メーラーからの連絡", "木村 三郎", "kimura@example.jp", text(body, "jis"),
                     None, None, mime=False)


@case("body-eucjp-qp", "body-charset", "会議室予約の確認", "中村 由美",
      ["会議室の予約を確認", "プロジェクターの貸出"])
def _(c):
    """charset=EUC-JP with quoted-printable transfer encoding"""
    body = """\
総務課 御中

12月8日の会議室の予約を確認させてください。
あわせてプロジェクターの貸出もお願いします。
"""
    return body_case(c, "会議室予約の確認", "中村 由美", "nakamura@example.co.jp", text(body, "euc"),
                     "text/plain; charset=EUC-JP", "quoted-printable", subj_codec="euc")


@case("body-utf8-bom-8bit", "body-charset", "BOM付きUTF-8の本文", "佐藤 花子",
      ["本文の先頭にBOM", "正しく表示されることを"])
def _(c):
    """UTF-8 8bit body starting with a byte order mark (EF BB BF)"""
    body = """\
本文の先頭にBOMが付いています。
正しく表示されることを確認してください。
"""
    return body_case(c, "BOM付きUTF-8の本文", "佐藤 花子", "hanako.sato@example.co.jp",
                     b"\xef\xbb\xbf" + text(body), "text/plain; charset=utf-8", "8bit", subj_codec="utf8")


@case("body-utf8-bom-base64", "body-charset", "BOM付きUTF-8(base64)", "佐藤 花子",
      ["メモ帳で作成した文書", "先頭の記号が見えない"])
def _(c):
    """UTF-8 body with a byte order mark, base64 transfer encoding"""
    body = """\
メモ帳で作成した文書を貼り付けています。
先頭の記号が見えないことを確認してください。
"""
    return body_case(c, "BOM付きUTF-8(base64)", "佐藤 花子", "hanako.sato@example.co.jp",
                     b"\xef\xbb\xbf" + text(body), "text/plain; charset=utf-8", "base64", subj_codec="utf8")


@case("body-sjis-hankaku", "body-charset", "ﾊﾝｶｸｶﾅの本文", "渡辺 健太",
      ["ｻｰﾊﾞｰﾙｰﾑ", "ｱｸｾｽﾎﾟｲﾝﾄ", "半角カナの確認"])
def _(c):
    """Shift_JIS 8bit body and Subject with much half-width katakana (incl. ﾞ ﾟ): must stay half-width"""
    body = """\
情報政策課 各位

半角カナの確認用の本文です。
ｻｰﾊﾞｰﾙｰﾑの空調点検を行います。
ｱｸｾｽﾎﾟｲﾝﾄの交換は来週です。
"""
    return body_case(c, "ﾊﾝｶｸｶﾅの本文", "渡辺 健太", "watanabe@example.co.jp", text(body, "sjis"),
                     "text/plain; charset=Shift_JIS", "8bit", to=JOHO, subj_codec="sjis")


@case("body-jis-esc-i", "body-charset", "JIS半角カナの本文", "渡辺 健太",
      ["ｹﾝｼｭｳｶｲｼﾞｮｳ", "ｼﾞｮｳﾎｳｾｷｭﾘﾃｨ", "半角カナを含む"],
      py={"body": "Python's iso2022_jp codec rejects ESC ( I (JIS X 0201 katakana)"})
def _(c):
    """ISO-2022-JP body switching to half-width katakana with ESC ( I (CP50221 / old mailers)"""
    body = """\
人事課 各位

半角カナを含むJISの本文です。
ｹﾝｼｭｳｶｲｼﾞｮｳは本庁舎3階です。
ｼﾞｮｳﾎｳｾｷｭﾘﾃｨ研修の受講をお願いします。
"""
    raw = text(body, "jis")
    assert ESC_KANA in raw
    return body_case(c, "JIS半角カナの本文", "渡辺 健太", "watanabe@example.co.jp", raw,
                     "text/plain; charset=ISO-2022-JP", "7bit", to="jinji@city.example.lg.jp")


@case("body-jis-flowed-stuffed", "body-charset", "公共施設の利用料金改定", "井上 大輔",
      ["利用料金を改定", "体育館の個人利用", "From 例示市"])
def _(c):
    """ISO-2022-JP format=flowed; delsp=yes with soft breaks, a space-stuffed 'From ' line and a stuffed leading-space line"""
    body = """\
施設管理者 各位

令和9年4月から、公共施設の利用料金を改定します。主な変更点は次のとおりで、詳細は別紙の料金表をご確認ください。
 体育館の個人利用 1回200円から300円
From 例示市 施設管理課
"""
    raw = enc(flowed(body, 22), "jis")
    assert b"\n From " in raw and b"\n  " in raw
    h = head(c, ewj("公共施設の利用料金改定"), named("井上 大輔", "daisuke.inoue@city.example.lg.jp", "jis"),
             to="shisetsu@city.example.lg.jp", mid=c.mid("city.example.lg.jp"), extra=[TB_UA])
    h += ["Content-Type: text/plain; charset=ISO-2022-JP; format=flowed; delsp=yes",
          "Content-Transfer-Encoding: 7bit"]
    return build(h, raw)


@case("body-jis78-esc-at", "body-charset", "古いJISコードの本文", "森 浩二",
      ["旧JIS漢字の指示", "通常の漢字として"])
def _(c):
    """ISO-2022-JP body that designates JIS X 0208 with ESC $ @ (JIS C 6226-1978) as very old mailers did"""
    body = """\
各位

この本文は旧JIS漢字の指示で書かれています。
通常の漢字として表示されるはずです。
"""
    raw = jis(body, jis78=True)
    assert ESC_JIS78 in raw and ESC_JIS not in raw
    return body_case(c, "古いJISコードの本文", "森 浩二", "mori@example.jp", raw,
                     "text/plain; charset=ISO-2022-JP", "7bit")


@case("body-jis-roman-esc-j", "body-charset", "JISローマ字の本文", "森 浩二",
      ["ローマ字集合への切替", "英数字が混在"])
def _(c):
    """ISO-2022-JP body returning to ESC ( J (JIS X 0201 Roman) instead of ESC ( B"""
    body = """\
各位

ローマ字集合への切替を含む本文です。
英数字が混在するABC123の行です。
"""
    raw = jis(body, roman=True)
    assert ESC_ROMAN in raw and ESC_ASCII not in raw
    return body_case(c, "JISローマ字の本文", "森 浩二", "mori@example.jp", raw,
                     "text/plain; charset=ISO-2022-JP", "7bit")


@case("body-jis-base64", "body-charset", "JISのbase64本文", "佐藤 花子",
      ["転送符号化がbase64", "ISO-2022-JPの本文"])
def _(c):
    """ISO-2022-JP body with base64 transfer encoding"""
    body = """\
この本文は転送符号化がbase64です。
中身はISO-2022-JPの本文です。
"""
    return body_case(c, "JISのbase64本文", "佐藤 花子", "hanako.sato@example.co.jp", text(body, "jis"),
                     "text/plain; charset=ISO-2022-JP", "base64")


@case("body-html-only-jis", "body-charset", "市民講座のご案内", "林 優子",
      ["市民講座のご案内", "受講料は無料です"])
def _(c):
    """text/html only, charset=ISO-2022-JP 7bit with a matching <meta> charset"""
    body = """\
市民講座のご案内
今年度の市民講座は全5回です。
受講料は無料です。
"""
    htm = simple_html(body, "iso-2022-jp", title="市民講座")
    return body_case(c, "市民講座のご案内", "林 優子", "hayashi@city.example.lg.jp", enc(htm, "jis"),
                     "text/html; charset=ISO-2022-JP", "7bit")


@case("body-html-meta-sjis", "body-charset", "図書館だより", "林 優子",
      ["図書館だより12月号", "年末年始の休館日"],
      py={"body": "charset only in <meta>: Python decodes as us-ascii"})
def _(c):
    """text/html without a charset parameter; the charset (Shift_JIS) is only in the <meta> tag; 8bit"""
    body = """\
図書館だより12月号
年末年始の休館日のお知らせ
12月29日から1月3日まで休館します。
"""
    htm = simple_html(body, "Shift_JIS")
    return body_case(c, "図書館だより", "林 優子", "library@city.example.lg.jp", enc(htm, "sjis"),
                     "text/html", "8bit")


@case("body-windows-31j-label", "body-charset", "物品購入の申請", "小林 誠",
      ["物品購入申請書を提出", "㈱例示事務機"],
      py={"body": "Python has no codec for the Windows-31J alias"})
def _(c):
    """Body labelled charset=Windows-31J (CP932 bytes incl. ㈱ ①), base64"""
    body = """\
会計課 御中

物品購入申請書を提出します。
①購入先 ㈱例示事務機
②品名 シュレッダー 1台
"""
    return body_case(c, "物品購入の申請", "小林 誠", "kobayashi@city.example.lg.jp", text(body, "sjis"),
                     "text/plain; charset=Windows-31J", "base64", to="kaikei@city.example.lg.jp")


@case("body-x-sjis-label", "body-charset", "出張旅費の精算", "松本 恵",
      ["旅費の精算書を提出", "領収書を添付"],
      py={"body": "Python has no codec for the x-sjis alias"})
def _(c):
    """Body labelled charset=x-sjis, 8bit"""
    body = """\
会計課 御中

先週の出張の旅費の精算書を提出します。
宿泊の領収書を添付しました。
"""
    return body_case(c, "出張旅費の精算", "松本 恵", "matsumoto@city.example.lg.jp", text(body, "sjis"),
                     "text/plain; charset=x-sjis", "8bit", to="kaikei@city.example.lg.jp")


# ===========================================================================
# line ends
# ===========================================================================

@case("lf-only-jis", "line-ends", "下水道工事のお知らせ", "清水 隆",
      ["下水道工事を行います", "通行止めとなります"], eol="lf")
def _(c):
    """ISO-2022-JP mail with bare LF line ends throughout, folded Subject (Unix mailer / saved from mbox)"""
    body = """\
地域住民の皆様へ

12月7日から下水道工事を行います。
工事期間中は市道の一部が通行止めとなります。
ご協力をお願いいたします。
"""
    h = head(c, ewj("下水道工事のお知らせ", maxlen=40), named("清水 隆", "gesuido@city.example.lg.jp", "jis"),
             to="jichikai@example.jp", mid=c.mid("city.example.lg.jp"))
    return single(h, body, "jis", "7bit")


@case("mixed-eol-sjis", "line-ends", "予防接種の予約開始", "中村 由美",
      ["予防接種の予約を開始", "母子手帳をお持ち"], eol="mixed")
def _(c):
    """Shift_JIS mail with mixed line ends: every third line LF-only, the rest CRLF, including inside a folded Subject"""
    body = """\
市民の皆様へ

12月1日から予防接種の予約を開始します。
接種当日は母子手帳をお持ちください。
予約は電話またはインターネットで受け付けます。
"""
    h = head(c, ew("予防接種の予約開始", "jis", maxlen=40), named("中村 由美", "kenko@city.example.lg.jp", "jis"),
             to="jichikai@example.jp", mid=c.mid("city.example.lg.jp"))
    return single(h, body, "sjis", "8bit")


# ===========================================================================
# output
# ===========================================================================

CLASS_INFO = [
    ("docomo", "docomo spモードメール: Shift_JIS bodies in 8bit / base64 / quoted-printable, ISO-2022-JP bodies, half-width katakana, NEC row 13 (① ㈱ №), bare From address, Shift_JIS and ISO-2022-JP encoded words"),
    ("au", "au ezweb: short ISO-2022-JP and Shift_JIS bodies (7bit, 8bit, base64, QP), half-width katakana with voiced marks, 'Re: Re: ' + encoded word"),
    ("softbank", "SoftBank: UTF-8 (base64, QP, 8bit) and Shift_JIS (8bit, base64) bodies, half-width katakana in UTF-8, iPhone Mail with lower-case iso-2022-jp"),
    ("outlook", "Outlook / Exchange: multipart/alternative text+HTML in iso-2022-jp (HTML in QP with =1B) and utf-8, <o:p> and mso styles, <span lang=EN-US> splitting lines, Thread-Topic / Thread-Index, quoted encoded display names, 'Last, First' names, U+3000 in a name, RE:/FW: prefixes, related inline image, PDF attachment"),
    ("notes", "Notes / Domino: ISO-2022-JP 7bit and quoted-printable, multipart/related HTML with <font>, UTF-8 QP, hierarchical names 氏名/課/市 with one encoded word per segment (folded), NEC row 13 in the body, Notes forward block"),
    ("gmail", "Gmail: UTF-8 base64 and QP, multipart/alternative with <div dir=\"ltr\">, gmail_quote replies, long Subject in several words, plain-text mode, PDF attachment, HTML entities, forwarded-message block"),
    ("yahoo", "Yahoo! JAPAN: ISO-2022-JP with CP50220 extension cells (① ② ㈱ 髙 﨑) in body, Subject and From, Shift_JIS 8bit / base64 with ℡ ㈲ № and 髙 in its IBM code FBFC, ISO-2022-JP HTML in QP, UTF-8"),
    ("thunderbird", "Thunderbird: format=flowed; delsp=yes in ISO-2022-JP and UTF-8, flowed replies with quotes"),
    ("apple-mail", "Apple Mail: iso-2022-jp 7bit with Apple header order, UTF-8 QP text+HTML"),
    ("becky", "Becky!: ISO-2022-JP 7bit, reply with Japanese attribution"),
    ("bounce", "Bounces: Postfix (bilingual UTF-8 and Japanese ISO-2022-JP templates), qmail (raw JIS copy of the original in a us-ascii body; localised), Exchange NDR (Japanese ISO-2022-JP part; alternative text+HTML; delay DSN), carrier MAILER-DAEMON in Shift_JIS / ISO-2022-JP, sendmail transcript; delivery-status with odd blank lines; text/rfc822-headers with encoded Japanese Subject"),
    ("header-edge", "Header decoding: charset aliases (UNICODE-1-1-UTF-7, x-sjis, Shift-JIS, SJIS, CP932, Windows-31J, EUC-JP, x-euc-jp, ISO-2022-JP-MS, lower-case iso-2022-jp Q, utf8, UTF-8*ja), bad base64 padding, '=' inside a B word, words split inside characters (UTF-8, JIS shift state), whitespace-only continuation line, encoded words in quoted names, raw UTF-8 / Shift_JIS / EUC-JP / JIS headers, CP932 extensions in ISO-2022-JP and Shift_JIS words, mixed ASCII + words, Re: Fwd:, very long folded Subject, Q with =1B, name + comment, mixed-charset neighbours, b/q lower case, TAB folding, Q underscores, ESC ( J"),
    ("body-charset", "Body decoding: ISO-2022-JP with NEC/IBM extensions, Shift_JIS and UTF-8 mislabelled as ISO-2022-JP, no charset label, no MIME headers at all, EUC-JP QP, UTF-8 with BOM (8bit, base64), half-width katakana in Shift_JIS and via ESC ( I, format=flowed with space-stuffing, ESC $ @ and ESC ( J, base64 JIS, HTML-only JIS, charset only in <meta>, Windows-31J and x-sjis labels"),
    ("line-ends", "Bare LF line ends throughout; mixed CRLF / LF including inside a folded Subject"),
]


def convert_eol(data, eol, name):
    if b"\r" in data:
        raise ValueError("%s: stray CR before EOL conversion" % name)
    if eol == "crlf":
        return data.replace(b"\n", b"\r\n")
    if eol == "lf":
        return data
    if eol == "mixed":
        lines = data.split(b"\n")
        out = bytearray()
        for i, line in enumerate(lines[:-1]):
            out += line + (b"\n" if i % 3 == 2 else b"\r\n")
        out += lines[-1]
        return bytes(out)
    raise ValueError(eol)


def generate():
    files, expected = {}, []
    seen = set()
    for num, cs in enumerate(CASES, 1):
        short = cs["short"]
        if short in seen or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", short):
            raise ValueError("bad or duplicate name %r" % short)
        seen.add(short)
        fname = "%03d-%s.eml" % (num, short)
        data = convert_eol(cs["fn"](Ctx(num, short)), cs["eol"], fname)
        files[fname] = data
        for k in cs["body"]:
            check_key(fname, k)
        for v in (cs["subject"], cs["from_name"]):
            if v != v.strip() or any(ch in AMBIGUOUS for ch in v):
                raise ValueError("%s: bad expected value %r" % (fname, v))
        expected.append({"file": fname, "source": cs["source"], "subject": cs["subject"],
                         "from_name": cs["from_name"], "body": cs["body"]})
    expected.sort(key=lambda e: e["file"])
    exp_bytes = (json.dumps(expected, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    return files, exp_bytes, readme().encode("utf-8")


def check_key(fname, k):
    problems = []
    if not 5 <= len(k) <= 20:
        problems.append("length %d" % len(k))
    if k != k.strip():
        problems.append("leading/trailing space")
    if any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in k):
        problems.append("control/invisible/separator character")
    if any(ch in AMBIGUOUS for ch in k):
        problems.append("ambiguous character")
    if re.search(r"[@/:<>.]", k):
        problems.append("URL/address-like punctuation")
    if sum(1 for ch in k if ord(ch) > 0x7F) < 3:
        problems.append("not Japanese enough")
    if problems:
        raise ValueError("%s: body key %r: %s" % (fname, k, ", ".join(problems)))


def readme():
    counts = {}
    for cs in CASES:
        counts[cs["source"]] = counts.get(cs["source"], 0) + 1
    assert set(counts) == {s for s, _ in CLASS_INFO}, set(counts) ^ {s for s, _ in CLASS_INFO}
    lines = [
        "# Japanese decoding samples",
        "",
        "%d test messages written for mugai (none copied from third-party" % len(CASES),
        "collections) that imitate what Japanese senders produce: carrier phones,",
        "Outlook/Exchange, Notes/Domino, Gmail, Yahoo! JAPAN, Thunderbird, Apple",
        "Mail, Becky!, bounces, plus header and body encoding edge cases. Content",
        "is municipal/business mail (会議, 請求書, 議事録, 住民票, 防災訓練, 入札 ...);",
        "all addresses are example.* and all dates are fixed in November 2026 (+0900).",
        "",
        "`expected.json` has one object per file: `subject` and `from_name` are",
        "exactly what a mail client shows (adjacent encoded words joined, words",
        "split inside a character reassembled, charset aliases and CP932 /",
        "CP50220 extension characters decoded, raw 8-bit and raw JIS headers",
        "decoded; `from_name` is empty when From has no display name), and `body`",
        "lists 1-3 short substrings that must appear in the decoded body text",
        "(taken from one line / one HTML text node; for bounces from the",
        "human-readable part). Half-width katakana must stay half-width.",
        "",
        "## Regenerating",
        "",
        "Edit the script, not the files:",
        "",
        "    python3 samples/japanese/make_japanese.py          # write *.eml, expected.json, README.md",
        "    python3 samples/japanese/make_japanese.py --check  # files match the script; decoding self-check",
        "    python3 samples/japanese/make_japanese.py --list   # one line per file: what it exercises",
        "",
        "The script uses only the Python 3 standard library and is deterministic",
        "(no clock, no randomness, no zlib): re-running it reproduces every file",
        "byte for byte. Line ends are CRLF except in the `line-ends` class.",
        "",
        "## Classes",
        "",
        "| Source | Exercises | Files |",
        "|--------|-----------|------:|",
    ]
    for source, info in CLASS_INFO:
        lines.append("| `%s` | %s | %d |" % (source, info.replace("|", "\\|"), counts[source]))
    lines.append("| | **total** | **%d** |" % len(CASES))
    lines.append("")
    return "\n".join(lines)


def write_all():
    files, exp_bytes, readme_bytes = generate()
    for old in OUT_DIR.glob("[0-9][0-9][0-9]-*.eml"):
        if old.name not in files:
            old.unlink()
    for fname, data in files.items():
        (OUT_DIR / fname).write_bytes(data)
    (OUT_DIR / "expected.json").write_bytes(exp_bytes)
    (OUT_DIR / "README.md").write_bytes(readme_bytes)
    print("wrote %d messages, expected.json and README.md to %s" % (len(files), OUT_DIR))


def list_cases():
    for num, cs in enumerate(CASES, 1):
        print("%03d-%s.eml  [%s]  %s" % (num, cs["short"], cs["source"], cs["desc"]))


# ===========================================================================
# reference decoder (what expected.json is written against)
# ===========================================================================

JIS_LABELS = {"iso-2022-jp", "iso-2022-jp-ms", "cp50220", "cp50221", "cp50222", "csiso2022jp",
              "iso-2022-jp-1", "iso-2022-jp-2", "iso-2022-jp-3", "iso-2022-jp-2004"}
SJIS_LABELS = {"shift_jis", "shift-jis", "sjis", "x-sjis", "cp932", "windows-31j", "ms932",
               "ms_kanji", "csshiftjis", "x-ms-cp932", "ibm-943"}
EUC_LABELS = {"euc-jp", "x-euc-jp", "eucjp", "euc_jp", "cseucpkdfmtjapanese", "cp51932"}
UTF8_LABELS = {"utf-8", "utf8"}
UTF7_LABELS = {"utf-7", "unicode-1-1-utf-7", "x-unicode-2-0-utf-7", "csunicode11utf7"}


def family(label):
    label = (label or "").strip().strip('"').lower().split("*", 1)[0]
    for fam, names in (("jis", JIS_LABELS), ("sjis", SJIS_LABELS), ("euc", EUC_LABELS),
                       ("utf8", UTF8_LABELS), ("utf7", UTF7_LABELS)):
        if label in names:
            return fam
    if label in ("us-ascii", "ascii", ""):
        return "ascii"
    return "unknown:" + label


def jis_decode(raw):
    """ISO-2022-JP decoder with CP50220 extension cells (via CP932), JIS78,
    JIS Roman and ESC ( I half-width katakana."""
    out, mode, i = [], "ascii", 0
    while i < len(raw):
        c = raw[i]
        if c == 0x1B:
            seq = raw[i + 1:i + 3]
            mode = {b"$B": "jis", b"$@": "jis", b"(B": "ascii", b"(J": "ascii", b"(I": "kana"}.get(seq)
            if mode is None:
                out.append("\ufffd")
                mode = "ascii"
                i += 1
            else:
                i += 3
            continue
        if c in (0x0A, 0x0D) or mode == "ascii":
            out.append(chr(c) if c < 0x80 else "\ufffd")
            i += 1
        elif mode == "kana":
            out.append(chr(0xFF61 + c - 0x21) if 0x21 <= c <= 0x5F else "\ufffd")
            i += 1
        else:
            pair = raw[i:i + 2]
            if len(pair) == 2 and all(0x21 <= x <= 0x7E for x in pair):
                out.append(jis_to_sjis(pair).decode("cp932", errors="replace"))
            else:
                out.append("\ufffd")
            i += 2
    return "".join(out)


def sniff(raw):
    """Charset of unlabelled (or mislabelled) 8-bit Japanese bytes."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf8"
    if re.search(rb"\x1b[$(]", raw) and all(x < 0x80 for x in raw):
        return "jis"
    try:
        raw.decode("utf-8")
        return "utf8"
    except UnicodeDecodeError:
        pass
    best, best_score = "sjis", None
    for fam, codec in (("sjis", "cp932"), ("euc", "euc_jp")):
        try:
            s = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        score = sum(1 for ch in s if "\uff61" <= ch <= "\uff9f") * 2 - sum(
            1 for ch in s if "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff")
        if best_score is None or score < best_score:
            best, best_score = fam, score
    return best


def decode_as(raw, fam):
    if fam == "jis":
        return jis_decode(raw)
    if fam == "sjis":
        return raw.decode("cp932", errors="replace")
    if fam == "euc":
        return raw.decode("euc_jp", errors="replace")
    if fam == "utf8":
        s = raw.decode("utf-8", errors="replace")
        return s[1:] if s.startswith("\ufeff") else s
    if fam == "utf7":
        return raw.decode("utf-7", errors="replace")
    if fam == "ascii":
        return raw.decode("ascii", errors="replace")
    return raw.decode(fam.split(":", 1)[1], errors="replace")


def decode_text(raw, label):
    """Body bytes -> text: trust the label when the bytes fit it, sniff when
    they do not (8-bit bytes under a 7-bit label, no label, bad label)."""
    fam = family(label)
    eight = any(x >= 0x80 for x in raw)
    if fam == "jis" and eight:
        fam = sniff(raw)
    elif fam in ("ascii",) or fam.startswith("unknown"):
        fam = sniff(raw) if (eight or b"\x1b" in raw) else "ascii"
    elif fam in ("sjis", "euc") and eight:
        try:
            raw.decode("utf-8")
            fam = "utf8"
        except UnicodeDecodeError:
            pass
    return decode_as(raw, fam)


EW_RE = re.compile(r"=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=")


def lenient_b64(s):
    s = re.sub(r"[^A-Za-z0-9+/=]", "", s)
    s = re.sub(r"=+(?=[A-Za-z0-9+/])", "", s)   # '=' inside the word
    s = s.rstrip("=")
    if len(s) % 4 == 1:
        s = s[:-1]
    return base64.b64decode(s + "=" * (-len(s) % 4))


def q_decode(s):
    out = bytearray()
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == "_":
            out.append(0x20)
        elif ch == "=" and re.fullmatch(r"[0-9A-Fa-f]{2}", s[i + 1:i + 3]):
            out.append(int(s[i + 1:i + 3], 16))
            i += 2
        else:
            out.append(ord(ch))
        i += 1
    return bytes(out)


def raw_header_text(raw):
    """A header value's bytes -> str before RFC 2047 processing: raw JIS
    escapes and raw 8-bit bytes are decoded by sniffing."""
    if all(x < 0x80 for x in raw) and b"\x1b" not in raw:
        return raw.decode("ascii")
    return decode_as(raw, sniff(raw))


def ref_unstructured(s):
    """RFC 2047 display rules: whitespace between two encoded words goes,
    whitespace next to plain text stays, same-charset neighbours have their
    bytes joined before decoding."""
    pieces = []
    pos = 0
    for m in EW_RE.finditer(s):
        if m.start() > pos:
            pieces.append(("text", s[pos:m.start()]))
        cs, mode, payload = m.group(1), m.group(2).upper(), m.group(3)
        data = lenient_b64(payload) if mode == "B" else q_decode(payload)
        pieces.append(("ew", family(cs), data))
        pos = m.end()
    if pos < len(s):
        pieces.append(("text", s[pos:]))
    # drop whitespace-only text between two encoded words
    kept = []
    for i, p in enumerate(pieces):
        if (p[0] == "text" and not p[1].strip() and 0 < i < len(pieces) - 1
                and pieces[i - 1][0] == "ew" and pieces[i + 1][0] == "ew"):
            continue
        kept.append(p)
    out = []
    for p in kept:
        if p[0] == "ew" and out and out[-1][0] == "ew" and out[-1][1] == p[1]:
            out[-1] = ("ew", p[1], out[-1][2] + p[2])
        else:
            out.append(p)
    return "".join(decode_as(p[2], p[1]) if p[0] == "ew" else p[1] for p in out).strip()


def header_fields(data):
    """Unfolded raw header fields of a message: [(name, value bytes)]."""
    m = re.search(rb"\r\n\r\n|\n\n|\r\r|\r\n\n|\n\r\n", data)
    block = data[:m.start()] if m else data
    fields = []
    for line in re.split(rb"\r\n|\n|\r", block):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][1] += line
        elif b":" in line:
            name, value = line.split(b":", 1)
            fields.append([name.strip().decode("ascii").lower(), value])
    return [(n, v.strip(b" \t")) for n, v in fields]


def header_value(data, name):
    for n, v in header_fields(data):
        if n == name:
            return v
    return None


def ref_subject(data):
    v = header_value(data, "subject")
    return "" if v is None else ref_unstructured(raw_header_text(v))


def addr_tokens(s):
    toks, i = [], 0
    while i < len(s):
        ch = s[i]
        if ch in " \t":
            i += 1
        elif ch == '"':
            j, val = i + 1, []
            while j < len(s) and s[j] != '"':
                if s[j] == "\\" and j + 1 < len(s):
                    j += 1
                val.append(s[j])
                j += 1
            toks.append(("word", "".join(val)))
            i = j + 1
        elif ch == "(":
            depth, j, val = 0, i, []
            while j < len(s):
                if s[j] == "(":
                    depth += 1
                    if depth == 1:
                        j += 1
                        continue
                elif s[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                val.append(s[j])
                j += 1
            toks.append(("comment", "".join(val)))
            i = j + 1
        elif ch == "<":
            j = s.find(">", i)
            j = len(s) if j < 0 else j
            toks.append(("angle", s[i + 1:j]))
            i = j + 1
        else:
            j = i
            while j < len(s) and s[j] not in ' \t"(<':
                j += 1
            toks.append(("word", s[i:j]))
            i = j
    return toks


def ref_from_name(data):
    v = header_value(data, "from")
    if v is None:
        return ""
    toks = addr_tokens(raw_header_text(v))
    phrase = [t[1] for t in toks if t[0] == "word"]
    comments = [t[1] for t in toks if t[0] == "comment"]
    has_angle = any(t[0] == "angle" for t in toks)
    if has_angle and phrase:
        return ref_unstructured(" ".join(phrase))
    if comments:
        return ref_unstructured(comments[0])
    return ""


class TextNodes(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title", "head"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title", "head"):
            self.skip = max(0, self.skip - 1)

    def handle_data(self, d):
        if not self.skip:
            self.nodes.append(d)


def html_nodes(src):
    p = TextNodes()
    p.feed(src)
    p.close()
    return p.nodes


def meta_charset(raw):
    m = re.search(rb"charset=[\"']?([A-Za-z0-9_\-]+)", raw[:2048])
    return m.group(1).decode("ascii") if m else None


def ref_leaves(msg):
    """[(decoded text, is_html, alternative group id or None)] for every
    text leaf, using the reference body decoder."""
    out = []

    def walk(part, group):
        if part.is_multipart():
            sub = part.get_content_subtype()
            for i, child in enumerate(part.get_payload()):
                g = group
                if sub == "alternative":
                    g = (id(part), i)
                walk(child, g)
            return
        if part.get_content_maintype() != "text":
            return
        raw = part.get_payload(decode=True) or b""
        label = part.get_content_charset()
        is_html = part.get_content_subtype() == "html"
        if is_html and not label:
            label = meta_charset(raw)
        out.append((decode_text(raw, label), is_html, group))

    walk(msg, None)
    return out


def width(s):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def ref_body_problems(msg, keys):
    """Problems with the body keys under the reference decoder."""
    leaves = ref_leaves(msg)
    problems = []
    for text_, is_html, _ in leaves:
        if "\ufffd" in text_:
            problems.append("U+FFFD in a decoded text part")
    for k in keys:
        hits = []
        for text_, is_html, group in leaves:
            if is_html:
                nodes = [n for n in html_nodes(text_) if k in n]
                if nodes:
                    if all(width(n.strip()) > 72 for n in nodes):
                        problems.append("%r: HTML text node wider than 72 columns" % k)
                    hits.append(group)
                elif k in re.sub(r"<[^>]*>", "", html.unescape(text_)):
                    problems.append("%r spans HTML text nodes" % k)
            elif k in text_:
                hits.append(group)
        if not hits:
            problems.append("%r not found" % k)
            continue
        # inside multipart/alternative every alternative must carry the key
        for g in {h for h in hits if h is not None}:
            siblings = {gg for _, _, gg in leaves if gg is not None and gg[0] == g[0]}
            found = {h for h in hits if h is not None and h[0] == g[0]}
            if siblings - found:
                problems.append("%r missing from an alternative" % k)
    return problems


# ===========================================================================
# --check
# ===========================================================================

def python_values(data):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    try:
        subject = str(msg["Subject"]) if msg["Subject"] is not None else ""
    except Exception as e:  # noqa: BLE001 - report anything Python raises
        subject = "<exception %s>" % type(e).__name__
    try:
        frm = msg["From"]
        addrs = frm.addresses if frm is not None else ()
        from_name = addrs[0].display_name if addrs else ""
    except Exception as e:  # noqa: BLE001
        from_name = "<exception %s>" % type(e).__name__
    texts = []
    for part in msg.walk():
        if part.get_content_maintype() == "text" and not part.is_multipart():
            try:
                texts.append(part.get_content())
            except Exception as e:  # noqa: BLE001
                texts.append("<exception %s>" % type(e).__name__)
    return subject, from_name, texts


def structure_problems(files):
    """Line ends as declared, header lines within 998 octets, 7bit parts
    really 7-bit."""
    problems = []
    eols = {"%03d-%s.eml" % (n, cs["short"]): cs["eol"] for n, cs in enumerate(CASES, 1)}
    for fname, data in files.items():
        if eols[fname] == "crlf" and (re.search(rb"(?<!\r)\n", data) or re.search(rb"\r(?!\n)", data)):
            problems.append("%s: bare CR or LF in a CRLF file" % fname)
        if any(len(l) > 998 for l in re.split(rb"\r\n|\n|\r", data)):
            problems.append("%s: line longer than 998 octets" % fname)
        for part in email.message_from_bytes(data).walk():
            if part.is_multipart():
                continue
            cte = (part.get("Content-Transfer-Encoding") or "7bit").strip().lower()
            raw = part._payload if isinstance(part._payload, str) else ""  # undecoded text
            if cte in ("7bit", "base64", "quoted-printable") and any(ord(x) >= 0x80 for x in raw):
                problems.append("%s: 8-bit bytes in a %s part" % (fname, cte))
    return problems


def check():
    files, exp_bytes, readme_bytes = generate()
    failures = []
    # 1. files on disk are what the script makes
    stale = []
    for fname, data in files.items():
        p = OUT_DIR / fname
        if not p.exists() or p.read_bytes() != data:
            stale.append(fname)
    for extra_name, data in (("expected.json", exp_bytes), ("README.md", readme_bytes)):
        p = OUT_DIR / extra_name
        if not p.exists() or p.read_bytes() != data:
            stale.append(extra_name)
    on_disk = sorted(p.name for p in OUT_DIR.glob("[0-9][0-9][0-9]-*.eml"))
    unknown = sorted(set(on_disk) - set(files))
    if stale or unknown:
        failures.append("files differ from the script: %s%s" % (
            ", ".join(stale), (" / unknown: " + ", ".join(unknown)) if unknown else ""))
    failures += structure_problems(files)
    expected = {e["file"]: e for e in json.loads(exp_bytes)}
    by_file = {"%03d-%s.eml" % (n, cs["short"]): cs for n, cs in enumerate(CASES, 1)}

    py_ok = py_skip_ok = py_skip_bad = 0
    skipped = []
    ref_ok = 0
    for fname, data in files.items():
        e, cs = expected[fname], by_file[fname]
        # reference decoder: every value
        msg32 = email.message_from_bytes(data)
        got = {"subject": ref_subject(data), "from": ref_from_name(data)}
        bad = []
        for field, want in (("subject", e["subject"]), ("from", e["from_name"])):
            if got[field] != want:
                bad.append("%s: reference decoder gives %r, expected %r" % (field, got[field], want))
        bad += ["body: " + p for p in ref_body_problems(msg32, e["body"])]
        if bad:
            failures += ["%s: %s" % (fname, x) for x in bad]
        else:
            ref_ok += 1
        # Python's email package
        subject, from_name, texts = python_values(data)
        results = {"subject": subject == e["subject"], "from": from_name == e["from_name"],
                   "body": all(any(k in t for t in texts) for k in e["body"])}
        shown = {"subject": subject, "from": from_name, "body": None}
        for field, ok in results.items():
            reason = cs["py"].get(field)
            if reason:
                skipped.append("%s %s: %s -> Python %s" % (
                    fname, field, reason, "agrees anyway" if ok else "differs (as expected)"))
                if ok:
                    py_skip_ok += 1
                else:
                    py_skip_bad += 1
            elif ok:
                py_ok += 1
            else:
                failures.append("%s: Python %s = %r, expected %r" % (
                    fname, field, shown[field],
                    e["subject"] if field == "subject" else e["from_name"] if field == "from" else e["body"]))
    print("files: %d (%s)" % (len(files), "all match the script" if not stale and not unknown else "STALE"))
    print("reference decoder: %d/%d files fully match expected.json" % (ref_ok, len(files)))
    print("python email (policy.default): %d checks pass; %d checks skipped "
          "(%d of those still agree, %d differ as expected)" % (py_ok, py_skip_ok + py_skip_bad, py_skip_ok, py_skip_bad))
    if "-v" in sys.argv or "--verbose" in sys.argv:
        for s in skipped:
            print("  skipped: " + s)
    if failures:
        print("FAILURES:")
        for f in failures:
            print("  " + f)
        return 1
    print("OK")
    return 0


def main(argv):
    if "--list" in argv:
        list_cases()
        return 0
    if "--check" in argv:
        return check()
    write_all()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
