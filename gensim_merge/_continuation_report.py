"""What :func:`gensim_merge.continuation.continue_training` returns: its report and its result (plain data)."""

import dataclasses

from gensim.models import Word2Vec

__all__ = ["ContinuationReport", "ContinuationResult", "FastTextContinuationReport"]


@dataclasses.dataclass(frozen=True)
class ContinuationReport:
    """What :func:`continue_training` did; every field is JSON-safe.

    Attributes
    ----------
    old_words, final_words : int
        Vocabulary size before and after.
    added_words : int
        Words new to the model (kept by the ``min_count`` rule).
    admitted_by_combined_count : int
        Of those, words kept only because the old corpus's counts were added to the new ones.
    shared_words, old_words_unseen : int
        Old words that occur in the new corpus, and old words that do not.
    min_count, min_count_rule : int, str
        The threshold and whether it was judged on ``"combined"`` or ``"new"`` counts.
    resorted, moved_words : bool, int
        Whether the vocabulary was re-sorted by combined frequency, and how many words changed index.
    start_alpha, end_alpha, epochs : float, float, int
        Learning-rate schedule of the continuation (the model's own ``alpha`` is left as it was).
    warm_start, warm_start_epochs : bool, int
        Whether the source was vectors alone, and the epochs spent learning the output layer first.
    rehearsal_lines : int
        Lines of the old corpus interleaved with the new one (0 when none was given).
    new_corpus_lines, new_corpus_words, combined_corpus_count : int
        Size of the new corpus; ``combined_corpus_count`` is what the model's ``corpus_count`` now holds.
    seconds_vocab, seconds_train, seconds_total : float
        Wall-clock timings (of the first member, and ``seconds_total`` of everything).
    members : int
        Continued trainings averaged (``members=k``; 1 when none was asked).
    new_model, new_model_words, new_model_ignored, new_model_rules : str, int, int, dict
        ``"none"``, ``"given"`` or ``"trained"``; the words of the new corpus's model, how many of them the
        continued model does not hold (left out), and the rule applied per word group.
    estimates : dict or None
        Per word group (``added``: new to the model, ``shared``: old and seen in the new corpus, ``old``: not
        seen in it), how many words had 1, 2, ... independent estimates (``{"added": {"1": 10, "2": 400}}``);
        None when a single estimate was made.
    seconds_combine : float
        Time spent aligning and combining the estimates.
    """

    old_words: int
    final_words: int
    added_words: int
    admitted_by_combined_count: int
    shared_words: int
    old_words_unseen: int
    min_count: int
    min_count_rule: str
    resorted: bool
    moved_words: int
    start_alpha: float
    end_alpha: float
    epochs: int
    warm_start: bool
    warm_start_epochs: int
    rehearsal_lines: int
    new_corpus_lines: int
    new_corpus_words: int
    combined_corpus_count: int
    seconds_vocab: float
    seconds_train: float
    seconds_total: float
    members: int = 1
    new_model: str = "none"
    new_model_words: int = 0
    new_model_ignored: int = 0
    new_model_rules: dict = None
    estimates: dict = None
    seconds_combine: float = 0.0

    def to_dict(self):
        """Return the report as a plain dict of JSON-safe values."""
        return dataclasses.asdict(self)

    def __str__(self):
        rows = [
            ("vocabulary", (f"{self.old_words} -> {self.final_words} words (+{self.added_words}, "
                           f"{self.admitted_by_combined_count} admitted by combined counts)")),
            ("min_count", f"{self.min_count} on {self.min_count_rule} counts"),
            ("shared / old unseen", f"{self.shared_words} / {self.old_words_unseen}"),
            ("re-sorted", f"{self.resorted} ({self.moved_words} words moved)"),
            ("new corpus", (f"{self.new_corpus_lines} lines, {self.new_corpus_words} words; "
                           f"rehearsal {self.rehearsal_lines} lines")),
            ("schedule", f"{self.epochs} epochs, alpha {self.start_alpha:g} -> {self.end_alpha:g}"),
            ("warm start", f"{self.warm_start} ({self.warm_start_epochs} output-layer epochs)"
                           if self.warm_start else "no"),
            ("time", (f"vocab {self.seconds_vocab:.1f}s, train {self.seconds_train:.1f}s, "
                     f"total {self.seconds_total:.1f}s")),
        ]
        if self.estimates is not None:
            rows.append(("estimates", f"{self.members} member(s), new corpus model: {self.new_model}; words with "
                                      "n estimates: " + "; ".join(f"{group} {counts}" for group, counts
                                                                   in self.estimates.items())
                         + f" (aligned and combined in {self.seconds_combine:.1f}s)"))
        return _table(self.__class__.__name__, rows)


@dataclasses.dataclass(frozen=True)
class FastTextContinuationReport:
    """What :func:`gensim_merge.fasttext_continuation.continue_fasttext` did; every field is JSON-safe.

    Attributes
    ----------
    old_words, final_words, added_words : int
        Vocabulary size before and after, and words new to the model.
    admitted_by_combined_count : int
        Of those, words kept only because the old corpus's counts were added to the new ones.
    moved_words : int
        Words whose index changed when the vocabulary was re-sorted by combined frequency.
    new_corpus_lines, new_corpus_words : int
        Size of the new corpus.
    epochs, start_alpha, end_alpha : int, float, float
        Learning-rate schedule of the continuation.
    """

    old_words: int
    final_words: int
    added_words: int
    admitted_by_combined_count: int
    moved_words: int
    new_corpus_lines: int
    new_corpus_words: int
    epochs: int
    start_alpha: float
    end_alpha: float

    def to_dict(self):
        """Return the report as a plain dict of JSON-safe values."""
        return dataclasses.asdict(self)

    def __str__(self):
        return _table(self.__class__.__name__, [
            ("vocabulary", (f"{self.old_words} -> {self.final_words} words (+{self.added_words}, "
                           f"{self.admitted_by_combined_count} admitted by combined counts)")),
            ("re-sorted", f"{self.moved_words} words moved"),
            ("new corpus", f"{self.new_corpus_lines} lines, {self.new_corpus_words} words"),
            ("schedule", f"{self.epochs} epochs, alpha {self.start_alpha:g} -> {self.end_alpha:g}"),
        ])


@dataclasses.dataclass(frozen=True)
class ContinuationResult:
    """The outcome of :func:`continue_training`.

    Attributes
    ----------
    model : gensim.models.Word2Vec
        The continued model, with its training state, ready to be continued again.
    report : ContinuationReport
        What was done.
    evidence : gensim_merge._continuation_estimates.Evidence or None
        With ``members`` > 1 or a ``new_model``: per word, which estimates were combined (``sources``,
        ``provenance`` bit masks, number of ``estimates``); None otherwise.
    """

    model: Word2Vec
    report: ContinuationReport
    evidence: object = None


def _table(title, rows):
    """`title`, then one ``name  value`` line per row, names aligned."""
    width = max(len(name) for name, _ in rows)
    return "\n".join([title] + [f"  {name:<{width}}  {value}" for name, value in rows])
