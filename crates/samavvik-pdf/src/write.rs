//! The PDF objects: catalog, page tree, document info, each page with its
//! marking, footer and compressed content, then the two subset fonts
//! (written last, once every page has said which glyphs it uses), and
//! what PDF/A asks for (see `pdfa`).

use pdf_writer::{Content, Filter, Finish, Pdf, Rect, Ref, Str, TextStr};

use crate::font::{Font, Used, deflate};
use crate::layout::{Color, INK, Item, MARGIN, MUTED, Page, Stroke};
use crate::pdfa;

fn fill(content: &mut Content, c: Color) {
    content.set_fill_rgb(c.0, c.1, c.2);
}

fn stroke(content: &mut Content, s: &Stroke) {
    content.set_stroke_rgb(s.color.0, s.color.1, s.color.2);
    content.set_line_width(s.width);
    if s.dashed {
        content.set_dash_pattern([2.5, 1.5], 0.0);
    } else {
        content.set_dash_pattern([], 0.0);
    }
}

fn text(content: &mut Content, used: &mut Used, (x, y): (f32, f32), font: Font, size: f32, color: Color, s: &str) {
    fill(content, color);
    content
        .begin_text()
        .set_font(font.resource(), size)
        .next_line(x, y)
        .show(Str(&used.encode(s, font)))
        .end_text();
}

fn draw(content: &mut Content, used: &mut Used, item: &Item) {
    match item {
        Item::Text {
            x,
            y,
            font,
            size,
            color,
            text: s,
        } => text(content, used, (*x, *y), *font, *size, *color, s),
        Item::Rect {
            x,
            y,
            w,
            h,
            fill: f,
            stroke: st,
        } => {
            content.save_state();
            if let Some(c) = f {
                fill(content, *c);
            }
            if let Some(s) = st {
                stroke(content, s);
            }
            content.rect(*x, *y, *w, *h);
            match (f, st) {
                (Some(_), Some(_)) => content.fill_nonzero_and_stroke(),
                (Some(_), None) => content.fill_nonzero(),
                (None, Some(_)) => content.stroke(),
                (None, None) => content.end_path(),
            };
            content.restore_state();
        }
        Item::Line { from, to, stroke: s } => {
            content.save_state();
            stroke(content, s);
            content.move_to(from.0, from.1).line_to(to.0, to.1).stroke();
            content.restore_state();
        }
    }
}

pub(crate) fn pdf(title: &str, marking: &str, footer: &str, pages: &[Page]) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let info = Ref::new(3);
    let archival = pdfa::Refs {
        metadata: Ref::new(4),
        profile: Ref::new(5),
    };
    let first = 6;
    let page_ids: Vec<Ref> = (0..pages.len()).map(|i| Ref::new(first + 2 * i as i32)).collect();
    let fonts_from = first + 2 * pages.len() as i32;
    // Refs of the two fonts: the first objects after the pages (see `Used::write`).
    let regular = Ref::new(fonts_from);
    let bold = Ref::new(fonts_from + 5);
    let mut cat = pdf.catalog(catalog);
    cat.pages(tree).lang(TextStr("nb"));
    pdfa::catalog(&mut cat, &archival);
    cat.finish();
    pdf.pages(tree).kids(page_ids.iter().copied()).count(pages.len() as i32);
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr(pdfa::PRODUCER));
    let mut used = Used::new();
    let total = pages.len();
    for (i, p) in pages.iter().enumerate() {
        let (w, h) = p.size();
        let page_id = page_ids[i];
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, w, h))
            .parent(tree)
            .contents(content_id);
        page.resources()
            .fonts()
            .pair(Font::Regular.resource(), regular)
            .pair(Font::Bold.resource(), bold);
        page.finish();
        let mut content = Content::new();
        text(
            &mut content,
            &mut used,
            (MARGIN, h - MARGIN),
            Font::Bold,
            9.0,
            INK,
            marking,
        );
        for item in &p.items {
            draw(&mut content, &mut used, item);
        }
        text(
            &mut content,
            &mut used,
            (MARGIN, MARGIN - 10.0),
            Font::Regular,
            8.0,
            MUTED,
            &format!("{footer} – side {} av {total}", i + 1),
        );
        let packed = deflate(&content.finish());
        pdf.stream(content_id, &packed).filter(Filter::FlateDecode);
    }
    let ([r, b], _) = used.write(&mut pdf, fonts_from);
    debug_assert_eq!((r, b), (regular, bold), "fonts are where the pages point");
    pdfa::objects(&mut pdf, &archival, title);
    pdfa::file_id(&mut pdf);
    pdf.finish()
}
