//! The embedded DejaVu Sans faces: measuring text for layout, and writing
//! the glyphs a document used as a subset font (Type 0 / CIDFontType2,
//! Identity-H, with a ToUnicode map so the text can be searched and copied).
//!
//! Every character is drawn with the font's own glyph; a character the font
//! lacks is drawn as U+FFFD "�" (and extracts as that), never as "?".

use std::collections::BTreeMap;
use std::sync::OnceLock;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// The two weights every document uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Font {
    Regular,
    Bold,
}

impl Font {
    /// The resource name in page content ("/F1", "/F2").
    pub(crate) fn resource(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }

    fn index(self) -> usize {
        match self {
            Font::Regular => 0,
            Font::Bold => 1,
        }
    }
}

/// One parsed face and what layout needs from it.
struct Loaded {
    data: &'static [u8],
    face: Face<'static>,
    postscript: &'static str,
    units_per_em: f32,
    /// Drawn for characters the face lacks.
    replacement: GlyphId,
}

impl Loaded {
    fn parse(data: &'static [u8], postscript: &'static str) -> Self {
        let face = Face::parse(data, 0).expect("the vendored DejaVu font parses");
        let replacement = face.glyph_index('\u{fffd}').unwrap_or(GlyphId(0));
        Loaded {
            data,
            units_per_em: f32::from(face.units_per_em()),
            face,
            postscript,
            replacement,
        }
    }

    fn glyph(&self, c: char) -> GlyphId {
        self.face.glyph_index(c).unwrap_or(self.replacement)
    }

    /// Advance of a glyph in 1/1000 em, the unit of PDF font widths.
    fn advance(&self, g: GlyphId) -> f32 {
        f32::from(self.face.glyph_hor_advance(g).unwrap_or(0)) * 1000.0 / self.units_per_em
    }

    fn scaled(&self, v: i16) -> f32 {
        f32::from(v) * 1000.0 / self.units_per_em
    }
}

fn loaded() -> &'static [Loaded; 2] {
    static FACES: OnceLock<[Loaded; 2]> = OnceLock::new();
    FACES.get_or_init(|| {
        [
            Loaded::parse(REGULAR, "DejaVuSans"),
            Loaded::parse(BOLD, "DejaVuSans-Bold"),
        ]
    })
}

/// Width of `text` in points at `size`.
pub(crate) fn text_width(text: &str, font: Font, size: f32) -> f32 {
    let face = &loaded()[font.index()];
    let units: f32 = text
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| face.advance(face.glyph(c)))
        .sum();
    units * size / 1000.0
}

/// Whether the embedded font draws `c` with a glyph of its own.
pub fn has_glyph(c: char) -> bool {
    loaded()[0].face.glyph_index(c).is_some()
}

/// The glyphs a document uses, renumbered in order of first use (so the
/// same document gives the same subset and the same bytes), and the text
/// each stands for.
pub(crate) struct Used {
    remapper: [GlyphRemapper; 2],
    unicode: [BTreeMap<u16, char>; 2],
}

impl Used {
    pub(crate) fn new() -> Self {
        Used {
            remapper: [GlyphRemapper::new(), GlyphRemapper::new()],
            unicode: [BTreeMap::new(), BTreeMap::new()],
        }
    }

    /// The content-stream bytes for `text` (two bytes per glyph, Identity-H).
    pub(crate) fn encode(&mut self, text: &str, font: Font) -> Vec<u8> {
        let i = font.index();
        let face = &loaded()[i];
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars().filter(|c| !c.is_control()) {
            let g = face.glyph(c);
            let cid = self.remapper[i].remap(g.0);
            let shown = if g == face.replacement { '\u{fffd}' } else { c };
            self.unicode[i].entry(cid).or_insert(shown);
            out.extend_from_slice(&cid.to_be_bytes());
        }
        out
    }

    /// Writes both fonts' objects, starting at `next`; returns the refs of
    /// the two Type 0 fonts (regular, bold) and the next free ref number.
    pub(crate) fn write(&self, pdf: &mut Pdf, mut next: i32) -> ([Ref; 2], i32) {
        let mut alloc = || {
            let r = Ref::new(next);
            next += 1;
            r
        };
        let mut fonts = [Ref::new(1); 2];
        for (i, face) in loaded().iter().enumerate() {
            let [type0, cid, descriptor, file, cmap] = [alloc(), alloc(), alloc(), alloc(), alloc()];
            fonts[i] = type0;
            let remapper = &self.remapper[i];
            let name = format!("{}+{}", subset_tag(remapper), face.postscript);
            let name = Name(name.as_bytes());
            let system = SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"Identity"),
                supplement: 0,
            };
            pdf.type0_font(type0)
                .base_font(name)
                .encoding_predefined(Name(b"Identity-H"))
                .descendant_font(cid)
                .to_unicode(cmap);
            let widths: Vec<f32> = remapper.remapped_gids().map(|g| face.advance(GlyphId(g))).collect();
            let mut cid_font = pdf.cid_font(cid);
            cid_font
                .subtype(CidFontType::Type2)
                .base_font(name)
                .system_info(system)
                .font_descriptor(descriptor)
                .default_width(0.0)
                .cid_to_gid_map_predefined(Name(b"Identity"));
            cid_font.widths().consecutive(0, widths);
            cid_font.finish();
            let bbox = face.face.global_bounding_box();
            let cap = face.face.capital_height().unwrap_or(face.face.ascender());
            pdf.font_descriptor(descriptor)
                .name(name)
                .flags(FontFlags::SYMBOLIC)
                .bbox(Rect::new(
                    face.scaled(bbox.x_min),
                    face.scaled(bbox.y_min),
                    face.scaled(bbox.x_max),
                    face.scaled(bbox.y_max),
                ))
                .italic_angle(0.0)
                .ascent(face.scaled(face.face.ascender()))
                .descent(face.scaled(face.face.descender()))
                .cap_height(face.scaled(cap))
                .stem_v(if i == 0 { 80.0 } else { 140.0 })
                .font_file2(file);
            let subset = subsetter::subset(face.data, 0, remapper).expect("DejaVu Sans subsets");
            let packed = deflate(&subset);
            pdf.stream(file, &packed)
                .filter(Filter::FlateDecode)
                .pair(Name(b"Length1"), subset.len() as i32);
            let mut unicode = UnicodeCmap::new(Name(b"Samavvik-UTF16"), system);
            for (&cid, &c) in &self.unicode[i] {
                unicode.pair(cid, c);
            }
            pdf.cmap(cmap, &unicode.finish())
                .name(Name(b"Samavvik-UTF16"))
                .system_info(system);
        }
        (fonts, next)
    }
}

/// The six capital letters before a subset font's name, derived from the
/// glyphs it holds (so different subsets get different tags, and the same
/// subset the same tag).
fn subset_tag(remapper: &GlyphRemapper) -> String {
    // FNV-1a over the original glyph ids in subset order.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for g in remapper.remapped_gids() {
        for b in g.to_be_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..6).map(|k| char::from(b'A' + ((h >> (k * 8)) % 26) as u8)).collect()
}

/// zlib-compressed bytes (FlateDecode), at a fixed level so the output is
/// the same every time.
pub(crate) fn deflate(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    z.write_all(data).expect("writing to memory cannot fail");
    z.finish().expect("writing to memory cannot fail")
}
