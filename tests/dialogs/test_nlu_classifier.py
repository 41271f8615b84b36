from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import spacy

from dialogs.nlu import Example, IntentClassifier, NluDataError
from dialogs.nlu.features import FeatureSpec, doc_features, words_and_chunks
from dialogs.nlu.oos import choose_threshold, fit_temperature, softmax

TINY_EN = {
    "greet": "hi|hello|hey there|good morning|hello, anyone here?|hiya|good evening|hey|"
    "hi team|morning!",
    "ask_price": "how much is it|what does it cost|price please|how much does the camera cost|"
    "what's the price|is it expensive|cost of the speaker|pricing for the bar|"
    "how much for two|what is the price of the hub",
    "book_call": "can we schedule a call|book a call with sales|i want a demo call|"
    "call me tomorrow|set up a meeting|arrange a phone call|can someone call me|"
    "schedule a demo|book a meeting please|talk on the phone",
    "goodbye": "bye|goodbye|see you|see you later|bye bye|have a nice day|cya|"
    "talk to you later|that's all, bye|farewell",
}
TINY_ZH = {
    "greet": "你好|您好|嗨|早上好|在吗|晚上好|你好呀|哈喽|大家好|下午好",
    "ask_price": "多少钱|价格是多少|这个贵吗|报价多少|摄像头多少钱|怎么收费|价格怎么样|"
    "有优惠吗|多少钱一台|费用是多少",
    "book_call": "预约电话|我想预约演示|给我打电话|安排一个会议|明天打给我|约个时间通话|"
    "可以电话沟通吗|预约一下|我要预约|安排演示",
}


def examples(table: dict[str, str]) -> list[Example]:
    return [Example(text, intent) for intent, texts in table.items() for text in texts.split("|")]


def trained(lang: str = "en", **config: object) -> tuple[spacy.Language, IntentClassifier]:
    nlp = spacy.blank(lang)
    classifier = nlp.add_pipe("salesbot_intent", config=config)
    assert isinstance(classifier, IntentClassifier)
    return nlp, classifier


def test_predicts_obvious_examples() -> None:
    nlp, classifier = trained()
    classifier.train(examples(TINY_EN), threshold=0.0)
    assert set(classifier.labels) == set(TINY_EN)
    for text, intent in [
        ("Hello!", "greet"),
        ("how much does it cost?", "ask_price"),
        ("please book a call", "book_call"),
        ("bye, see you", "goodbye"),
    ]:
        doc = nlp(text)
        assert doc._.salesbot_intent.intent == intent
        assert max(doc.cats, key=doc.cats.get) == intent
        assert sum(doc.cats.values()) == pytest.approx(1.0)


def test_chinese_with_the_default_character_segmenter() -> None:
    nlp, classifier = trained("zh")
    classifier.train(examples(TINY_ZH), threshold=0.0)
    assert nlp("请问多少钱？")._.salesbot_intent.intent == "ask_price"
    assert nlp("你好，在吗")._.salesbot_intent.intent == "greet"
    assert nlp("能预约一个演示吗")._.salesbot_intent.intent == "book_call"


def test_latin_words_stay_whole_in_chinese_docs() -> None:
    words, chunks = words_and_chunks(spacy.blank("zh")("我想买iPhone 15，多少钱？"))
    assert words == ["我", "想", "买", "iphone", "15", "多", "少", "钱"]
    assert chunks == ["我想买iphone", "15", "多少钱"]


def test_fast_path_equals_scikit_learn() -> None:
    nlp, classifier = trained()
    features, svm = classifier.train(examples(TINY_EN))
    texts = ["how much is the speaker", "hi there", "call me", "unknown words xyz", "", "bye!!"]
    feats = [doc_features(nlp.make_doc(t), FeatureSpec()) for t in texts]
    reference = svm.decision_function(features.transform(feats))
    fast = np.array([classifier.model.scores(w, c) for w, c in feats])
    np.testing.assert_allclose(fast, reference, rtol=1e-5, atol=1e-5)
    assert list(svm.classes_[reference.argmax(1)]) == [classifier.labels[i] for i in fast.argmax(1)]


def test_two_intents_use_both_sides_of_the_hyperplane() -> None:
    nlp, classifier = trained()
    data = [e for e in examples(TINY_EN) if e.intent in ("greet", "goodbye")]
    _, svm = classifier.train(data, threshold=0.0)
    assert nlp("hello")._.salesbot_intent.intent == "greet"
    assert nlp("goodbye")._.salesbot_intent.intent == "goodbye"
    assert svm.coef_.shape[0] == 1 and classifier.model.weights.shape[1] == 2


def test_round_trip_gives_identical_probabilities(tmp_path: Path) -> None:
    nlp, classifier = trained("zh")
    classifier.train(examples(TINY_ZH), threshold=0.42)
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    again = loaded.get_pipe("salesbot_intent")
    assert again.threshold == 0.42 and again.temperature == classifier.temperature
    for text in ["多少钱", "你好", "明天给我打电话", "天气怎么样"]:
        assert nlp(text).cats == loaded(text).cats
    saved = {p.name for p in (tmp_path / "model" / "salesbot_intent").iterdir()}
    assert saved == {
        "weights.npy", "bias.npy", "word_idf.npy", "char_idf.npy", "vocab.json",
        "calibration.json",
    }  # fmt: skip


def test_below_threshold_is_out_of_scope() -> None:
    nlp, classifier = trained()
    classifier.train(examples(TINY_EN), threshold=0.999)
    decision = nlp("the weather on mars")._.salesbot_intent
    assert decision.intent is None
    assert 0 < decision.confidence < 0.999
    assert decision.ranking[0][1] == decision.confidence
    classifier.threshold = 0.0
    assert nlp("the weather on mars")._.salesbot_intent.intent is not None


def test_out_of_scope_class_is_never_an_intent() -> None:
    nlp, classifier = trained(oos_label="oos")
    data = examples(TINY_EN) + [
        Example(t, "oos")
        for t in "weather today|tell me a joke|what is 2+2|play music|who won the game|"
        "translate this to french|set an alarm|what's the capital of peru".split("|")
    ]
    classifier.train(data, threshold=0.0)
    decision = nlp("tell me a joke about music")._.salesbot_intent
    assert decision.intent is None
    assert "oos" not in dict(decision.ranking)
    assert nlp("how much is it")._.salesbot_intent.intent == "ask_price"


def test_validation_sets_temperature_and_threshold() -> None:
    _, classifier = trained(oos_label="oos")
    validation = [
        Example("hello again", "greet"),
        Example("how much is the hub", "ask_price"),
        Example("book me a call", "book_call"),
        Example("bye now", "goodbye"),
        Example("what's the weather in rome", "oos"),
        Example("recipe for pancakes", "oos"),
    ]
    classifier.train(examples(TINY_EN), validation)
    assert classifier.temperature > 0
    assert 0.0 <= classifier.threshold < 1.0


def test_needs_two_intents() -> None:
    _, classifier = trained()
    with pytest.raises(NluDataError, match="at least 2 intents"):
        classifier.train([Example("hi", "greet"), Example("hello", "greet")])


def test_choose_threshold_catches_oos_within_the_allowed_loss() -> None:
    confidence = np.array([0.9, 0.8, 0.7, 0.6, 0.55, 0.3, 0.2, 0.65])
    correct = np.array([True, True, True, True, False, False, False, False])
    rejected = np.zeros(8, dtype=bool)
    is_oos = np.array([False] * 5 + [True] * 3)
    # No in-scope loss allowed: reject below 0.6 only (catches 0.3 and 0.2, not 0.65).
    threshold = choose_threshold(confidence, correct, rejected, is_oos, max_in_scope_loss=0.0)
    assert 0.3 < threshold <= 0.6
    # The cheapest threshold that catches those two is taken, not the highest allowed one.
    assert threshold == pytest.approx((0.3 + 0.55) / 2)


def test_choose_threshold_works_for_any_score_scale() -> None:
    correct = np.array([True, True, False, False])
    rejected = np.zeros(4, dtype=bool)
    is_oos = np.array([False, False, False, True])
    raw = np.array([-0.2, -0.5, -0.9, -1.5])  # SVM scores: all negative
    threshold = choose_threshold(raw, correct, rejected, is_oos, max_in_scope_loss=0.0)
    assert -1.5 < threshold <= -0.5
    nothing = choose_threshold(raw, correct, rejected, np.zeros(4, dtype=bool))
    assert nothing <= -0.5  # the in-scope correct ones are never rejected


def test_temperature_fit_and_softmax() -> None:
    scores = np.array([[2.0, 0.0], [0.0, 2.0], [1.0, 0.9]])
    probs = softmax(scores, 1.0)
    np.testing.assert_allclose(probs.sum(1), 1.0)
    sharp = fit_temperature(scores, np.array([0, 1, 0]))
    assert sharp < 1.0
