"""The registry, the example modules and the pages match one to one."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import glossary_examples
from glossary_examples._lib import registry
from glossary_site.myst import code_cells
from glossary_site.terms import expected_sections

from .conftest import ROOT

SLUGS = [t.slug for t in registry.TERMS]


def term_modules() -> set[str]:
    """The package's top-level modules but ``__main__`` (the shared code is the package ``_lib``)."""
    return {
        m.name for m in pkgutil.iter_modules(glossary_examples.__path__)
        if not m.ispkg and m.name != "__main__"
    }


def test_registry_modules_and_pages_match_one_to_one():
    modules = {t.module for t in registry.TERMS}
    pages = {p.stem for p in (ROOT / "docs" / "glossary").glob("*.md")}
    assert term_modules() == modules
    assert pages == set(SLUGS)


def test_the_registry_is_terms_toml_in_file_order():
    text = registry.TERMS_FILE.read_text(encoding="utf-8")
    assert registry.TERMS_FILE.parent.name == "glossary_examples"
    assert re.findall(r'^slug = "(.+)"$', text, flags=re.M) == SLUGS
    assert registry.load(text) == (registry.SECTIONS, registry.TERMS)


# The loader checks terms.toml as it reads it: unique, well-formed slugs;
# known sections; relations to terms that exist, prerequisites first; claim ids unique and prefixed by
# their term; Chinese names. Each case below breaks one rule in a small valid
# file and expects one sentence naming the entry.
VALID = """
[[section]]
key = "training"
name = "Training"
zh = "训练"

[[section]]
key = "networks"
name = "Networks"
zh = "网络"

[[term]]
slug = "dropout"
name = "Dropout"
zh = "丢弃"
section = "training"
summary = "Zero random units during training."
contrast = ["relu"]

[[term.claims]]
id = "dropout-ensemble"
text = "Many thinned networks are trained and combined."

[[term]]
slug = "relu"
name = "ReLU"
zh = "线性整流函数"
zh_aliases = ["整流线性单元"]
aliases = ["rectified linear unit", "rectifier"]
section = "networks"
summary = "max(0, x)."
learn_first = ["dropout"]

[[term.claims]]
id = "relu-sparsity"
text = "ReLU makes activations sparse."

[[term]]
slug = "sigmoid"
name = "Sigmoid"
zh = "S型函数"
section = "networks"
summary = "1 / (1 + exp(-x))."
part_of = ["relu"]

[[term.concepts]]
name = "logistic regression"
zh = "逻辑回归"
note = "a model whose output unit is a sigmoid"
"""


def test_the_small_valid_file_loads_in_file_order():
    sections, terms = registry.load(VALID)
    assert [s.key for s in sections] == ["training", "networks"]
    assert [t.slug for t in terms] == ["dropout", "relu", "sigmoid"]
    assert terms[1].zh_aliases == ("整流线性单元",)
    assert terms[1].claims == (registry.Claim("relu-sparsity", "ReLU makes activations sparse."),)
    assert terms[2].concepts == (
        registry.Concept("logistic regression", "逻辑回归", "a model whose output unit is a sigmoid"),
    )


BROKEN = {
    "related term misspelt": (
        'contrast = ["relu"]', 'contrast = ["dropuot"]',
        "terms.toml: term 'dropout' lists 'dropuot' in contrast, which is not a term"
        " (did you mean 'dropout'?)",
    ),
    "prerequisite unknown": (
        'learn_first = ["dropout"]', 'learn_first = ["softmax"]',
        "terms.toml: term 'relu' lists 'softmax' in learn_first, which is not a term",
    ),
    "prerequisite after the term": (
        'contrast = ["relu"]', 'learn_first = ["relu"]',
        "terms.toml: term 'dropout' lists 'relu' in learn_first but comes before it in the"
        " site's order; move it after, or move its section",
    ),
    "prerequisite listed twice": (
        'learn_first = ["dropout"]', 'learn_first = ["dropout", "dropout"]',
        "terms.toml: term 'relu' lists 'dropout' twice in learn_first",
    ),
    "no Chinese name": (
        'zh = "线性整流函数"\n', "",
        "terms.toml: term 'relu' has no Chinese name (zh)",
    ),
    "empty Chinese name": (
        'zh = "线性整流函数"', 'zh = ""',
        "terms.toml: term 'relu' has no Chinese name (zh)",
    ),
    "Chinese name without a Chinese character": (
        'zh = "线性整流函数"', 'zh = "ReLU"',
        "terms.toml: term 'relu' has zh = 'ReLU', which has no Chinese character",
    ),
    "Chinese alias without a Chinese character": (
        'zh_aliases = ["整流线性单元"]', 'zh_aliases = ["ReLU unit"]',
        "terms.toml: term 'relu' has a Chinese alias (zh_aliases) = 'ReLU unit',"
        " which has no Chinese character",
    ),
    "claim id used twice": (
        'summary = "1 / (1 + exp(-x))."\npart_of = ["relu"]\n',
        'summary = "1 / (1 + exp(-x))."\npart_of = ["relu"]\naliases = ["relu"]\n\n'
        '[[term.claims]]\nid = "relu-sparsity"\ntext = "Again."\n',
        "terms.toml: claim id 'relu-sparsity' is used twice (terms 'relu' and 'sigmoid')",
    ),
    "claim id not prefixed by its term": (
        'id = "relu-sparsity"', 'id = "sparsity-of-relu"',
        "terms.toml: claim 'sparsity-of-relu' of term 'relu' has an id that does not start"
        " with 'relu-' or 'rectifier-'",
    ),
    "claim id malformed": (
        'id = "relu-sparsity"', 'id = "relu_sparsity"',
        "terms.toml: claim 'relu_sparsity' of term 'relu' has a malformed id"
        " (lowercase letters and digits, words joined by '-')",
    ),
    "claim without text": (
        'text = "ReLU makes activations sparse."', "",
        "terms.toml: claim 'relu-sparsity' of term 'relu' has no text",
    ),
    "claim with an unknown key": (
        'text = "ReLU makes activations sparse."', 'txt = "ReLU makes activations sparse."',
        "terms.toml: claim 'relu-sparsity' of term 'relu' has an unknown key 'txt'"
        " (did you mean 'text'?)",
    ),
    "duplicate slug": (
        'slug = "sigmoid"', 'slug = "relu"',
        "terms.toml: term 'relu' is listed twice ([[term]] entries 2 and 3)",
    ),
    "malformed slug": (
        'slug = "sigmoid"', 'slug = "Sigmoid function"',
        "terms.toml: term 'Sigmoid function' has a malformed slug"
        " (lowercase letters and digits, words joined by '-')",
    ),
    "no slug": (
        'slug = "sigmoid"\n', "",
        "terms.toml: [[term]] entry 3 has no slug",
    ),
    "unknown section": (
        'section = "training"', 'section = "trainign"',
        "terms.toml: term 'dropout' is in section 'trainign', which is not a section"
        " (did you mean 'training'?)",
    ),
    "unknown key": (
        'summary = "max(0, x)."', 'summry = "max(0, x)."',
        "terms.toml: term 'relu' has an unknown key 'summry' (did you mean 'summary'?)",
    ),
    "unknown key, nothing close": (
        'summary = "max(0, x)."', 'summary = "max(0, x)."\nwikipedia = "ReLU"',
        "terms.toml: term 'relu' has an unknown key 'wikipedia' (known: slug, name, zh,"
        " section, summary, learn_first, contrast, part_of, aliases, zh_aliases, claims,"
        " concepts)",
    ),
    "missing key": (
        'summary = "max(0, x)."\n', "",
        "terms.toml: term 'relu' has no summary",
    ),
    "wrong type": (
        'contrast = ["relu"]', 'contrast = "relu"',
        "terms.toml: term 'dropout' has contrast = 'relu', which is not a list of strings",
    ),
    "related to itself": (
        'part_of = ["relu"]', 'part_of = ["sigmoid"]',
        "terms.toml: term 'sigmoid' lists itself in part_of",
    ),
    "no relation": (
        'part_of = ["relu"]\n', "",
        "terms.toml: term 'sigmoid' has no relation to another term (learn_first, contrast"
        " or part_of, on it or on another term)",
    ),
    "section without a Chinese name": (
        'zh = "网络"\n', "",
        "terms.toml: section 'networks' has no Chinese name (zh)",
    ),
    "section listed twice": (
        'key = "networks"\nname = "Networks"', 'key = "training"\nname = "Networks"',
        "terms.toml: section 'training' is listed twice",
    ),
    "unknown top-level key": (
        "\n[[section]]\nkey = \"training\"", "title = \"Glossary\"\n\n[[section]]\nkey = \"training\"",
        "terms.toml: unknown top-level key 'title' (known: section, term)",
    ),
    "related concept that is also an alias": (
        'zh = "逻辑回归"', 'zh = "S型函数"',
        "terms.toml: concept 1 of term 'sigmoid' is 'S型函数', which is also a name"
        " of the term; a related concept is not an alias",
    ),
    "related concept whose other name is a name of the term": (
        'name = "logistic regression"', 'name = "logistic unit (Sigmoid)"',
        "terms.toml: concept 1 of term 'sigmoid' is 'Sigmoid', which is also a name"
        " of the term; a related concept is not an alias",
    ),
    "related concept without a Chinese name": (
        'zh = "逻辑回归"\n', "",
        "terms.toml: concept 1 of term 'sigmoid' has no Chinese name (zh)",
    ),
    "related concept without a note": (
        'note = "a model whose output unit is a sigmoid"', 'note = ""',
        "terms.toml: concept 1 of term 'sigmoid' has no note",
    ),
    "a name of two terms": (
        'aliases = ["rectified linear unit", "rectifier"]',
        'aliases = ["rectified linear unit", "Rectifier", "drop-out"]',
        "terms.toml: term 'relu' has the name 'drop-out', which is already 'dropout' of"
        " term 'dropout'",
    ),
    "a Chinese name of two terms": (
        'zh = "S型函数"', 'zh = "整流线性单元"',
        "terms.toml: term 'sigmoid' has the name '整流线性单元', which is already"
        " '整流线性单元' of term 'relu'",
    ),
    "related concept that is another term's name": (
        'name = "logistic regression"', 'name = "ramp function (rectifier)"',
        "terms.toml: concept 1 of term 'sigmoid' is 'rectifier', which is a name of term"
        " 'relu'; relate that term instead (learn_first, contrast or part_of)",
    ),
    "not TOML": (
        'summary = "max(0, x)."', 'summary = "max(0, x).',
        "terms.toml: this is not valid TOML: Illegal character '\\n' (at line 31, column 22)",
    ),
}
@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_file_fails_with_one_sentence_naming_the_entry(case):
    old, new, message = BROKEN[case]
    assert VALID.count(old) == 1, "the case no longer applies to VALID"
    with pytest.raises(registry.RegistryError) as caught:
        registry.load(VALID.replace(old, new))
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_the_source_names_the_file():
    broken = VALID.replace('summary = "max(0, x)."\n', "")
    with pytest.raises(registry.RegistryError, match=r"^glossary_examples/terms\.toml: term 'relu' "):
        registry.load(broken, source="glossary_examples/terms.toml")


@pytest.mark.parametrize("slug", SLUGS)
def test_module_follows_the_conventions(slug):
    module = importlib.import_module(f"glossary_examples.{registry.term(slug).module}")
    doc = module.__doc__ or ""
    assert doc.splitlines()[0].startswith(f"{registry.term(slug).name} ("), doc[:80]
    assert registry.term(slug).zh in doc.splitlines()[0]
    assert ">>>" in doc or any(
        ">>>" in (getattr(module, n).__doc__ or "") for n in dir(module)
        if callable(getattr(module, n))
    ), f"{slug} has no doctest"
    assert module.PAGE and all(callable(f) for f in module.PAGE)  # its page: tests/test_pages.py
    for claim in registry.term(slug).claims:
        # one check function per claim, named after the claim id
        fn = f"check_{claim.id.replace('-', '_')}"
        assert callable(getattr(module, fn, None)), f"{slug}: {fn}() missing"


def test_the_package_and_its_command_line_load_no_tensorflow():
    """`list` and `--help` answer at once: TensorFlow loads only with a term module."""
    import subprocess
    import sys

    code = ("import sys, glossary_examples._lib.cli, glossary_examples._lib.registry\n"
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


@pytest.mark.parametrize("slug", SLUGS)
def test_a_module_that_uses_tensorflow_imports_the_runtime_set_up(slug):
    """Modules write `import keras` (code readers can copy); `_lib.runtime` sets it up once.

    Without that import, a page would run on every core (sums in another
    order), with TensorFlow's warnings on its output.
    """
    import ast

    tree = ast.parse((ROOT / "glossary_examples" / f"{registry.term(slug).module}.py").read_text())
    imported = {a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
    from_runtime = any(isinstance(n, ast.ImportFrom) and n.level == 1
                       and (n.module == "_lib.runtime"
                            or (n.module == "_lib" and any(a.name == "runtime" for a in n.names)))
                       for n in tree.body)
    if imported & {"keras", "tensorflow"}:
        assert from_runtime, f"{slug}: imports Keras or TensorFlow without ._lib.runtime"


def test_importing_a_term_module_sets_tensorflow_up_quietly():
    import subprocess
    import sys

    code = ("import glossary_examples.dropout, tensorflow as tf, keras\n"
            "print(tf.config.threading.get_inter_op_parallelism_threads(),"
            " tf.config.threading.get_intra_op_parallelism_threads(),"
            " keras.config.is_interactive_logging_enabled())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "1", "False"]
    assert out.stderr == "", out.stderr


@pytest.mark.parametrize("slug", SLUGS)
def test_page_has_the_title_and_sections_in_order(slug):
    """What the build checks at doctree-read (glossary_site.terms), seen early and statically."""
    text = (ROOT / "docs" / "glossary" / f"{slug}.md").read_text(encoding="utf-8")
    titles = re.findall(r"^# (.+)$", text, flags=re.M)
    assert titles == [registry.term(slug).title]
    sections = re.findall(r"^## (.+)$", text, flags=re.M)
    assert sections == expected_sections(registry.term(slug))


@pytest.mark.parametrize("slug", SLUGS)
def test_page_runs_code_from_the_package_not_a_copy(slug):
    text = (ROOT / "docs" / "glossary" / f"{slug}.md").read_text(encoding="utf-8")
    module = registry.term(slug).module
    cells = [cell.source for cell in code_cells(text)]
    assert cells, "no code cells"
    assert f"from glossary_examples import {module}" in cells[0]
    for cell in cells:
        assert "def " not in cell and "class " not in cell, "code belongs in the module"
        assert "!pip" not in cell
    assert f"../../glossary_examples/{module}.py" in text  # shown with literalinclude
    for claim in registry.term(slug).claims:
        assert re.search(rf"```\{{claim\}} {re.escape(claim.id)}\n:verdict: ", text), claim.id
        assert f"{module}.check_{claim.id.replace('-', '_')}()" in text, claim.id


def test_no_placeholder_text_in_pages_or_modules():
    files = [*(ROOT / "docs").rglob("*.md"), *(ROOT / "glossary_examples").rglob("*.py"),
             registry.TERMS_FILE]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for word in ("TODO", "FIXME", "XXX", "coming soon", "lorem ipsum", "TBD"):
            assert word.lower() not in text.lower(), f"{word!r} in {path.name}"


# The standard Chinese names, copied from the agreed table of the teaching review
# (2026-11-30): the main name of mainstream Chinese literature, the names the
# source notes used kept as aliases, and related concepts that are not names.
STANDARD_NAMES = {
    "attention": ("注意力机制", ["注意力模型"]),
    "epoch": ("轮次", ["迭代周期", "周期"]),
    "dropout": ("暂退法", ["丢弃法", "丢弃"]),
    "binary-classification": ("二分类", ["二元分类", "二分分类"]),
    "supervised-learning": ("监督学习", ["有监督学习"]),
    "deep-neural-network": ("深度神经网络", ["深层神经网络"]),
    "forward-propagation": ("前向传播", ["正向传播"]),
    "perceptron": ("感知机", ["感知器"]),
    "multilayer-perceptron": ("多层感知机", ["多层感知器"]),
    "relu": ("修正线性单元", ["整流线性单元"]),
    "pooling": ("池化", ["汇聚"]),
    "batch": ("批量", ["小批量", "批次"]),
    "logistic-regression": ("逻辑回归", ["logistic 回归", "对数几率回归"]),
    "tanh": ("tanh 函数", ["双曲正切函数"]),
    "model": ("模型", ["序贯模型", "顺序模型"]),
}
NOT_NAMES = {  # related concepts, never aliases
    "filter": ["特征图", "feature map"],
    "overfitting": ["泛化", "generalisation", "generalization"],
    "exploding-gradient": ["梯度裁剪", "gradient clipping"],
    "unsupervised-learning": ["聚类", "clustering"],
    "backpropagation": ["链式法则", "chain rule", "自动微分", "GradientTape", "tf.GradientTape"],
    "perceptron": ["M-P neuron"],
    # words of the reader review's search queries (2026-11-30) that name
    # something else: a step, a gated layer, one loss, a layer's input, a data set
    "epoch": ["迭代", "iteration"],
    "recurrent-neural-network": ["LSTM", "长短期记忆网络"],
    "loss-function": ["cross-entropy", "交叉熵"],
    "softmax": ["logits", "logit"],
    "handwritten-digits": ["MNIST"],
}
# Other names that the reader review's search queries used (2026-11-30): each is
# a name of its term in a textbook, in Keras, or in common use.
SEARCHED_NAMES = {
    "dropout": ["随机失活"],  # Ng's course notes in Chinese
    "pooling": ["汇聚层", "池化层"],  # zh.d2l.ai, 2nd and 1st editions
    "batch": ["小批量"],
    "gradient-descent": ["随机梯度下降", "SGD"],
    "multilayer-perceptron": ["全连接层", "fully connected layer"],
    "data-augmentation": ["数据增广"],
    "relu": ["线性整流函数", "rectifier"],  # Wikipedia (zh, en)
    "backpropagation": ["backprop"],
    "regularization": ["weight decay"],
    "convolutional-neural-network": ["卷积", "卷积层", "Conv2D"],
    "one-hot-encoding": ["to_categorical"],  # keras.utils.to_categorical
}


@pytest.mark.parametrize("slug", STANDARD_NAMES)
def test_the_main_chinese_name_is_the_standard_one(slug):
    main, aliases = STANDARD_NAMES[slug]
    entry = registry.term(slug)
    assert entry.zh == main
    assert set(aliases) <= set(entry.zh_aliases)


@pytest.mark.parametrize("slug", NOT_NAMES)
def test_related_concepts_are_not_aliases(slug):
    entry = registry.term(slug)
    names = {n.lower() for n in (entry.name, entry.zh, *entry.aliases, *entry.zh_aliases)}
    assert not names & {n.lower() for n in NOT_NAMES[slug]}


@pytest.mark.parametrize("slug", SEARCHED_NAMES)
def test_the_names_readers_search_for_are_names_of_their_term(slug):
    assert set(SEARCHED_NAMES[slug]) <= set(registry.term(slug).names)


@pytest.mark.parametrize("slug", [s for s in NOT_NAMES if registry.term(s).concepts])
def test_a_related_concept_leads_to_its_term_but_is_not_resolved_as_it(slug):
    for concept in registry.term(slug).concepts:
        for name in concept.names:
            with pytest.raises(registry.UnknownTermError) as caught:
                registry.resolve(name)
            assert caught.value.suggestion == slug
            assert str(caught.value) == (f"'{name}' is not a term but a related concept,"
                                         f" explained on the page of the term '{slug}'")


# --- Any name of a term leads to it (the command line, and the site's search) ----------

@pytest.mark.parametrize("slug", SLUGS)
def test_every_name_and_the_slug_resolve_to_the_term(slug):
    entry = registry.term(slug)
    for name in (slug, *entry.names):
        for written in (name, name.upper(), name.replace(" ", "-"), name.replace("-", " ")):
            assert registry.resolve(written) is entry, written


@pytest.mark.parametrize("written, slug", [
    ("暂退法", "dropout"), ("DROPOUT", "dropout"), ("ＳＧＤ", "gradient-descent"),  # full width
    ("minibatch", "batch"), ("mini_batch", "batch"), ("Mini Batch", "batch"),
    ("to categorical", "one-hot-encoding"), ("vanishing_gradient", "vanishing-gradient"),
    ("batch—norm", "batch-normalization"),  # an em dash
])
def test_case_width_and_separators_do_not_matter(written, slug):
    assert registry.resolve(written).slug == slug


@pytest.mark.parametrize("written, message", [
    ("dropuot", "unknown term 'dropuot'; did you mean 'dropout'?"),
    ("暂退", "unknown term '暂退'; did you mean '暂退法' (the term 'dropout')?"),
    ("SDG", "unknown term 'SDG'; did you mean 'SGD' (the term 'gradient-descent')?"),
    ("GradientTap", "unknown term 'GradientTap'; did you mean 'tf.GradientTape' (a related"
                    " concept, explained on the page of the term 'backpropagation')?"),
    ("qqqqqqqq", "unknown term 'qqqqqqqq'"),
])
def test_an_unknown_name_suggests_the_closest_name_and_its_term(written, message):
    with pytest.raises(registry.UnknownTermError) as caught:
        registry.resolve(written)
    assert str(caught.value) == message


def test_no_two_terms_share_a_name():
    """What the loader checks (BROKEN above), on the real registry: lookups are unambiguous."""
    owners = {}
    for t in registry.TERMS:
        for name in {registry.normalise(n) for n in (t.slug, *t.names)}:
            assert owners.setdefault(name, t.slug) == t.slug, name


def test_no_term_comes_before_one_of_its_prerequisites():
    """The site's reading order (index, sidebar, previous/next) is a topological order."""
    order = [t.slug for t in registry.site_order()]
    assert sorted(order) == sorted(t.slug for t in registry.TERMS)
    late = [(t.slug, p) for t in registry.TERMS for p in t.learn_first
            if order.index(p) > order.index(t.slug)]
    assert not late, late
    # Only the first terms of the path start from nothing.
    roots = [t.slug for t in registry.site_order() if not t.learn_first]
    assert roots == ["tensor", "supervised-learning"], roots


def test_every_relation_is_labelled_and_shown_on_both_pages():
    converse = {"part of": "includes", "includes": "part of", "contrast": "contrast",
                "prerequisite": "next", "next": "prerequisite"}
    for t in registry.TERMS:
        for other, kind in registry.relations(t.slug):
            back = {o.slug: k for o, k in registry.relations(other.slug)}
            assert back.get(t.slug) == converse[kind], (t.slug, other.slug, kind, back.get(t.slug))
