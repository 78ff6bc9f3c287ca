//! The [`SpanMap`]: from byte ranges of a normal form back to the text it came from.

use std::ops::Range;

/// Maps byte ranges of a normal form back to byte ranges of its original text.
///
/// See the crate doc for what a range maps to. Built by [`normalize_with_map`](crate::normalize_with_map) or
/// [`normalize_into`](crate::normalize_into); a default map belongs to the empty text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpanMap {
    /// Sorted by `norm`, strictly increasing. Segment `i` covers the normal-form bytes
    /// `[norm_i, norm_{i+1})` and the original bytes `[orig_i, orig_{i+1})`, where the
    /// segment after the last is `end`.
    pub(crate) segments: Vec<Segment>,
    pub(crate) end: Anchor,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Anchor {
    pub(crate) norm: usize,
    pub(crate) orig: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    pub(crate) at: Anchor,
    /// Byte `norm + k` stands for original byte `orig + k`; otherwise every byte of the
    /// segment stands for the whole original range.
    pub(crate) linear: bool,
}

impl SpanMap {
    /// The original byte range that the normal-form range `start..end` came from.
    ///
    /// `start` and `end` must lie on character boundaries of the normal form; the result
    /// then lies on character boundaries of the original text. An empty range maps to an
    /// empty range.
    ///
    /// # Panics
    /// When `start > end` or `end` is past the end of the normal form.
    pub fn original_span(&self, start: usize, end: usize) -> Range<usize> {
        assert!(
            start <= end && end <= self.end.norm,
            "range {start}..{end} is outside the normal form"
        );
        if start == end {
            let at = self.original_start(start);
            return at..at;
        }
        let i = self.segment_at(end - 1);
        let seg = self.segments[i];
        let orig_end = if seg.linear {
            seg.at.orig + (end - seg.at.norm)
        } else {
            self.segments.get(i + 1).map_or(self.end, |s| s.at).orig
        };
        self.original_start(start)..orig_end
    }

    fn original_start(&self, norm: usize) -> usize {
        if norm == self.end.norm {
            return self.end.orig;
        }
        let seg = self.segments[self.segment_at(norm)];
        if seg.linear {
            seg.at.orig + (norm - seg.at.norm)
        } else {
            seg.at.orig
        }
    }

    /// Index of the segment holding normal-form byte `norm`.
    fn segment_at(&self, norm: usize) -> usize {
        self.segments.partition_point(|s| s.at.norm <= norm) - 1
    }

    /// Bytes of heap this map holds.
    pub fn heap_bytes(&self) -> usize {
        self.segments.capacity() * std::mem::size_of::<Segment>()
    }

    pub(crate) fn clear(&mut self) {
        self.segments.clear();
        self.end = Anchor::default();
    }

    pub(crate) fn push(&mut self, norm: usize, orig: usize, linear: bool) {
        self.segments.push(Segment {
            at: Anchor { norm, orig },
            linear,
        });
    }
}
