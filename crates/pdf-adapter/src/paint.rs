//! Paints laid-out pages with krilla.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use portal_billing::{DocumentLanguage, InvoiceDocument};

use crate::layout::{Op, PAGE_HEIGHT, PAGE_WIDTH, Page, Rgb};

fn color(c: Rgb) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

fn fill(c: Rgb) -> Fill {
    Fill {
        paint: color(c).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

pub fn paint(pages: &[Page], doc: &InvoiceDocument, font: &Font) -> Result<Vec<u8>, String> {
    let mut document = Document::new();
    let title = format!(
        "{} {}",
        crate::words::labels(doc.language).title,
        doc.invoice.id
    );
    document.set_metadata(
        Metadata::new()
            .title(title)
            .language(match doc.language {
                DocumentLanguage::Zh => "zh-CN".into(),
                DocumentLanguage::En => "en".into(),
            })
            .creator("客户控制台 Customer Portal".into()),
    );
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or("bad page size")?;
    for page_layout in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in &page_layout.ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    color: c,
                    text,
                } => {
                    surface.set_fill(Some(fill(*c)));
                    surface.set_stroke(None);
                    surface.draw_text(
                        Point::from_xy(*x, *y),
                        font.clone(),
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::FillRect {
                    x,
                    y,
                    w,
                    h,
                    color: c,
                } => {
                    if let Some(path) = rect_path(*x, *y, *w, *h) {
                        surface.set_stroke(None);
                        surface.set_fill(Some(fill(*c)));
                        surface.draw_path(&path);
                    }
                }
                Op::StrokeRect {
                    x,
                    y,
                    w,
                    h,
                    color: c,
                    width,
                } => {
                    if let Some(path) = rect_path(*x, *y, *w, *h) {
                        stroke(&mut surface, &path, *c, *width);
                    }
                }
                Op::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    color: c,
                    width,
                } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x1, *y1);
                    pb.line_to(*x2, *y2);
                    if let Some(path) = pb.finish() {
                        stroke(&mut surface, &path, *c, *width);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| format!("{e:?}"))
}

fn rect_path(x: f32, y: f32, w: f32, h: f32) -> Option<krilla::geom::Path> {
    let mut pb = PathBuilder::new();
    pb.push_rect(Rect::from_xywh(x, y, w, h)?);
    pb.finish()
}

fn stroke(surface: &mut Surface<'_>, path: &krilla::geom::Path, c: Rgb, width: f32) {
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: color(c).into(),
        width,
        ..Default::default()
    }));
    surface.draw_path(path);
}
