//! Rendered `GET sessions/current` answers, kept until the directory next changes.
//!
//! `sessions/current` is the hottest authenticated call (clients call it to check a token), and
//! its answer depends only on the session's user and site, the API version the server speaks and
//! the answer format. Rendering it from the directory was the largest cost of the call after the
//! HTTP stack's own (docs/performance.md). [`AppState::write_directory`](crate::state) empties
//! the cache whenever it hands out the directory for writing, and a lookup or an insert happens
//! only under the directory's read lock, so a cached answer never shows data that has changed.

use foldhash::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;

use crate::format::Format;

/// One user's rendered answers, one slot per format, each with the site it shows.
type Slots = [Option<(Arc<str>, Bytes)>; 2];

/// The cache, by user LUID.
#[derive(Debug, Default)]
pub(crate) struct AnswerCache {
    answers: Mutex<HashMap<Arc<str>, Slots>>,
}

fn slot(format: Format) -> usize {
    match format {
        Format::Xml => 0,
        Format::Json => 1,
    }
}

impl AnswerCache {
    fn lock(&self) -> MutexGuard<'_, HashMap<Arc<str>, Slots>> {
        self.answers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The answer rendered for `user_id` on `site_id` in `format`, if any. Call it with the
    /// directory's read lock held.
    pub(crate) fn get(&self, user_id: &str, site_id: &str, format: Format) -> Option<Bytes> {
        let answers = self.lock();
        match &answers.get(user_id)?[slot(format)] {
            Some((site, body)) if &**site == site_id => Some(body.clone()),
            _ => None,
        }
    }

    /// Keeps an answer rendered from the directory. Call it with the directory's read lock
    /// still held (the one the answer was rendered under).
    pub(crate) fn insert(
        &self,
        user_id: &Arc<str>,
        site_id: &Arc<str>,
        format: Format,
        body: Bytes,
    ) {
        let mut answers = self.lock();
        let slots = answers.entry(Arc::clone(user_id)).or_default();
        slots[slot(format)] = Some((Arc::clone(site_id), body));
    }

    /// Forgets every answer (the directory is about to change).
    pub(crate) fn clear(&self) {
        let mut answers = self.lock();
        if !answers.is_empty() {
            answers.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_per_user_site_and_format_until_cleared() {
        let cache = AnswerCache::default();
        let (user, site, other_site): (Arc<str>, Arc<str>, Arc<str>) =
            ("u1".into(), "s1".into(), "s2".into());
        assert_eq!(cache.get("u1", "s1", Format::Xml), None);
        cache.insert(&user, &site, Format::Xml, Bytes::from_static(b"<xml/>"));
        assert_eq!(
            cache.get("u1", "s1", Format::Xml).as_deref(),
            Some(&b"<xml/>"[..])
        );
        assert_eq!(cache.get("u1", "s1", Format::Json), None);
        assert_eq!(cache.get("u1", "s2", Format::Xml), None);
        assert_eq!(cache.get("u2", "s1", Format::Xml), None);
        cache.insert(
            &user,
            &other_site,
            Format::Xml,
            Bytes::from_static(b"<other/>"),
        );
        assert_eq!(cache.get("u1", "s1", Format::Xml), None);
        assert_eq!(
            cache.get("u1", "s2", Format::Xml).as_deref(),
            Some(&b"<other/>"[..])
        );
        cache.clear();
        assert_eq!(cache.get("u1", "s2", Format::Xml), None);
    }
}
