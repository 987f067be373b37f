"""The search queries the site must answer, with the page each must find: test data.

``search_cases()`` lists every case: each name (English name, Chinese name,
aliases, Chinese aliases) of every term, which must put its term's page first,
and the 73 queries a reader review ran through the built site's search page
(``REVIEW_QUERIES``, copied from the review of 2026-11-30, section 4), which
must find their page in the top 3, or first where the query is one of the
term's names. ``tools/search_table.py`` runs them through ``search.html`` in
Chromium; the browser tests run them too.
"""

from __future__ import annotations

from dataclasses import dataclass

from glossary_examples._lib import registry


@dataclass(frozen=True)
class SearchCase:
    query: str
    slug: str  # the term whose page the search must find
    max_rank: int  # among the pages found, that page's position is at most this (1 = first)


# (query, kind of query as the review put it, the page expected), in the review's order.
REVIEW_QUERIES = (
    ('dropout', 'English exact', 'dropout'),
    ('vanishing gradient', 'English exact', 'vanishing-gradient'),
    ('ReLU', 'English abbrev', 'relu'),
    ('rectifier', 'English synonym', 'relu'),
    ('rectified linear unit', 'English expansion', 'relu'),
    ('backprop', 'English short', 'backpropagation'),
    ('SGD', 'English abbrev (gradient-descent/optimizer)', 'gradient-descent'),
    ('stochastic gradient descent', 'English expansion', 'gradient-descent'),
    ('mini-batch', 'English hyphenated', 'batch'),
    ('minibatch', 'English unhyphenated', 'batch'),
    ('MLP', 'English abbrev', 'multilayer-perceptron'),
    ('CNN', 'English abbrev', 'convolutional-neural-network'),
    ('RNN', 'English abbrev', 'recurrent-neural-network'),
    ('LSTM', 'English related', 'recurrent-neural-network'),
    ('MNIST', 'English dataset', 'handwritten-digits'),
    ('cross entropy', 'English', 'loss-function'),
    ('max pooling', 'English', 'pooling'),
    ('weight decay', 'English synonym', 'regularization'),
    ('regularization', 'US spelling', 'regularization'),
    ('regularisation', 'UK spelling', 'regularization'),
    ('logit', 'English', 'softmax'),
    ('张量', 'Chinese exact', 'tensor'),
    ('丢弃', 'Chinese exact', 'dropout'),
    ('梯度消失', 'Chinese exact', 'vanishing-gradient'),
    ('梯度', 'Chinese partial', 'gradient-descent'),
    ('卷积', 'Chinese partial', 'convolutional-neural-network'),
    ('神经', 'Chinese partial', 'neural-network'),
    ('激活', 'Chinese partial', 'activation-function'),
    ('激活函数', 'Chinese exact', 'activation-function'),
    ('卷积神经网络', 'Chinese exact', 'convolutional-neural-network'),
    ('反向传播', 'Chinese exact', 'backpropagation'),
    ('暂退法', 'Chinese synonym (zh.d2l 2nd ed)', 'dropout'),
    ('丢弃法', 'Chinese synonym (zh.d2l 1st ed)', 'dropout'),
    ('随机失活', 'Chinese synonym (Ng notes/CSDN)', 'dropout'),
    ('轮次', 'Chinese synonym (Keras zh docs)', 'epoch'),
    ('迭代', 'Chinese related', 'epoch'),
    ('感知机', 'Chinese synonym (李航/周志华)', 'perceptron'),
    ('逻辑回归', 'Chinese synonym', 'logistic-regression'),
    ('汇聚', 'Chinese synonym (zh.d2l)', 'pooling'),
    ('汇聚层', 'Chinese synonym (zh.d2l)', 'pooling'),
    ('池化层', 'Chinese with 层', 'pooling'),
    ('批量', 'Chinese synonym (zh.d2l 小批量)', 'batch'),
    ('小批量', 'Chinese synonym', 'batch'),
    ('线性整流函数', 'Chinese synonym (wiki)', 'relu'),
    ('修正线性单元', 'Chinese synonym', 'relu'),
    ('步长', 'Chinese synonym', 'stride'),
    ('卷积核', 'Chinese synonym', 'filter'),
    ('过拟合', 'Chinese exact', 'overfitting'),
    ('正则化', 'Chinese exact', 'regularization'),
    ('独热编码', 'Chinese exact', 'one-hot-encoding'),
    ('one-hot', 'English hyphenated', 'one-hot-encoding'),
    ('循环神经网络', 'Chinese exact', 'recurrent-neural-network'),
    ('注意力', 'Chinese partial', 'attention'),
    ('注意力机制', 'Chinese synonym (zh.d2l)', 'attention'),
    ('学习率', 'Chinese exact', 'learning-rate'),
    ('损失函数', 'Chinese exact', 'loss-function'),
    ('代价函数', 'Chinese synonym (Ng notes)', 'loss-function'),
    ('全连接层', 'Chinese synonym (Dense)', 'multilayer-perceptron'),
    ('多层感知机', 'Chinese synonym (zh.d2l)', 'multilayer-perceptron'),
    ('手写数字', 'Chinese partial', 'handwritten-digits'),
    ('权重', 'Chinese partial', 'weights-and-bias'),
    ('偏置', 'Chinese partial', 'weights-and-bias'),
    ('超参数', 'Chinese partial', 'parameters-and-hyperparameters'),
    ('监督学习', 'Chinese synonym (no 有)', 'supervised-learning'),
    ('数据增广', 'Chinese synonym (zh.d2l)', 'data-augmentation'),
    ('梯度下降', 'Chinese exact', 'gradient-descent'),
    ('随机梯度下降', 'Chinese expansion', 'gradient-descent'),
    ('填充', 'Chinese exact', 'padding'),
    ('softmax', 'English exact', 'softmax'),
    ('Dense', 'Keras API', 'multilayer-perceptron'),
    ('to_categorical', 'Keras API', 'one-hot-encoding'),
    ('Conv2D', 'Keras API', 'convolutional-neural-network'),
    ('GradientTape', 'TF API', 'backpropagation'),
)
NAME_RANK = 1  # a query that is one of a term's names puts its page first
REVIEW_RANK = 3  # any other query of the review finds its page in the top 3


def is_name_of(query: str, slug: str) -> bool:
    """Whether ``query`` is one of the term's names (or its slug), as the registry compares names.

    >>> is_name_of("minibatch", "batch"), is_name_of("LSTM", "recurrent-neural-network")
    (True, False)
    """
    try:
        return registry.resolve(query).slug == slug
    except registry.UnknownTermError:
        return False


def search_cases() -> list[SearchCase]:
    """Every name of every term, then the review's queries; each query once, the first case kept.

    >>> cases = search_cases()
    >>> SearchCase("暂退法", "dropout", 1) in cases, SearchCase("LSTM", "recurrent-neural-network", 3) in cases
    (True, True)
    """
    cases = [SearchCase(name, t.slug, NAME_RANK) for t in registry.TERMS for name in t.names]
    cases += [
        SearchCase(query, slug, NAME_RANK if is_name_of(query, slug) else REVIEW_RANK)
        for query, _kind, slug in REVIEW_QUERIES
    ]
    unique: dict[str, SearchCase] = {}
    for case in cases:
        unique.setdefault(case.query, case)
    return list(unique.values())
