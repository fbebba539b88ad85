//! Synthetic mails shared by the criterion benchmark and the interleaved
//! ratio measurement (`examples/ratio.rs`): a Japanese plain-text business
//! mail and an HTML newsletter, each scaled to a given size.
#![allow(dead_code)]

/// A typical Japanese business mail body, repeated to `size` bytes.
pub fn japanese_text(size: usize) -> String {
    let paragraph = "お世話になっております。株式会社サンプルの山田です。\n\
先日お打ち合わせいたしました件につきまして、資料を送付いたします。\n\
詳細は https://www.example.co.jp/docs/2026/plan.html をご覧ください。\n\
ご不明な点がございましたら、お気軽にお問い合わせください。\n\
Regards, Taro Yamada (Sales Dept.) tel: 03-1234-5678\n\n";
    paragraph.repeat(size / paragraph.len() + 1)
}

pub fn plain_mail(size: usize) -> Vec<u8> {
    let mut m = b"From: =?UTF-8?B?5bGx55Sw?= <yamada@example.co.jp>\r\nTo: taro@example.lg.jp\r\n\
Subject: =?UTF-8?B?6LOH5paZ6YCB5LuY44Gu5Lu2?=\r\nDate: Mon, 2 Nov 2026 09:00:00 +0900\r\n\
Message-ID: <bench@example.co.jp>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\n"
        .to_vec();
    m.extend(japanese_text(size).replace('\n', "\r\n").bytes());
    m
}

pub fn html_body(size: usize) -> String {
    let block = "<table width=\"600\"><tr><td><h2>今月のお知らせ</h2><p>いつも<b>ご利用</b>いただき\
ありがとうございます。<a href=\"https://www.example.co.jp/campaign?id=42\">キャンペーン詳細</a>は\
こちら。</p><ul><li>新商品のご案内</li><li>セミナー開催のお知らせ</li></ul>\
<img src=\"https://track.example.com/p.gif\" width=\"1\" height=\"1\"></td></tr></table>\n";
    format!(
        "<html><head><style>td{{font-size:14px}}</style></head><body>{}</body></html>",
        block.repeat(size / block.len() + 1)
    )
}

pub fn html_mail(html: &str) -> Vec<u8> {
    let mut m = b"From: news@example.co.jp\r\nTo: taro@example.lg.jp\r\nSubject: news\r\n\
MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        .to_vec();
    m.extend(html.replace('\n', "\r\n").bytes());
    m
}
