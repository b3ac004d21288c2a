//! The blank report form, rendered once per directory and day.

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use samavvik_app::catalog::Catalog;
use samavvik_core::RawReport;

use crate::routes::form_view::FormView;

/// Stand-ins for the per-visitor tokens in the cached blank form. Neither
/// can come out of a template otherwise (`@` is not in the token alphabet).
pub const CSRF_SLOT: &str = "@@csrf_token@@";
pub const KEY_SLOT: &str = "@@idempotency_key@@";

/// The blank report form, rendered once per directory and day and then only
/// given each visitor's tokens: it is the page every report starts from, and
/// rendering the whole directory's unit lists for every visitor was the
/// form's main cost under load (docs/PERFORMANCE.md).
#[derive(Default)]
pub struct BlankForm(Mutex<Option<Rendered>>);

/// A blank form page and what it was rendered from.
struct Rendered {
    catalog: Arc<Catalog>,
    day: NaiveDate,
    page: Arc<str>,
}

impl BlankForm {
    /// The blank form for `catalog` on `today`, rendered if not cached.
    ///
    /// # Errors
    /// A template error (a bug).
    pub fn page(
        &self,
        catalog: &Arc<Catalog>,
        today: NaiveDate,
        kommune_to_kommune: bool,
    ) -> Result<Arc<str>, minijinja::Error> {
        let mut cached = self.0.lock().expect("blank form lock");
        if let Some(r) = cached.as_ref()
            && Arc::ptr_eq(&r.catalog, catalog)
            && r.day == today
        {
            return Ok(r.page.clone());
        }
        let view = FormView {
            raw: &RawReport::default(),
            errors: &[],
            csrf_token: CSRF_SLOT.into(),
            idempotency_key: KEY_SLOT.into(),
            notice: None,
            kommune_to_kommune,
        };
        let page: Arc<str> = crate::views::page("form.html", view.context(&catalog.directory, today))?.into();
        *cached = Some(Rendered {
            catalog: catalog.clone(),
            day: today,
            page: page.clone(),
        });
        Ok(page)
    }
}
