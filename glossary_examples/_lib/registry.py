"""The term registry: one entry per glossary term, the single source of names.

The CLI, the Sphinx extension (index page, titles, related-term links, the
claims page) and the tests all read this module; nothing else lists terms.

>>> term("dropout").zh
'丢弃'
>>> term("vanishing-gradient").module
'vanishing_gradient'
>>> [s.key for s in SECTIONS][:2]
['foundations', 'neurons']
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    key: str
    name: str
    zh: str


@dataclass(frozen=True)
class Claim:
    """A statement learners read elsewhere, checked on the term's page."""

    id: str
    text: str


@dataclass(frozen=True)
class Term:
    slug: str
    name: str
    zh: str
    section: str
    summary: str
    related: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    zh_aliases: tuple[str, ...] = ()
    claims: tuple[Claim, ...] = field(default=())

    @property
    def module(self) -> str:
        """The example module's name: the slug with ``_`` for ``-``."""
        return self.slug.replace("-", "_")

    @property
    def title(self) -> str:
        """Page title, English then Chinese: ``Dropout · 丢弃``."""
        return f"{self.name} · {self.zh}"


SECTIONS: tuple[Section, ...] = (
    Section("foundations", "Foundations", "基础"),
    Section("neurons", "Neurons", "神经元"),
    Section("networks", "Networks", "网络"),
    Section("training", "Training", "训练"),
    Section("cnn", "Convolutional networks", "卷积神经网络"),
    Section("rnn", "Recurrent networks", "循环神经网络"),
    Section("worked-example", "Worked example", "实践"),
)

_TERMS: tuple[Term, ...] = (
    Term(
        slug="loss-function",
        name="Loss function",
        zh="损失函数",
        zh_aliases=("成本函数", "代价函数"),
        aliases=("cost function", "loss"),
        section="training",
        summary="The number training minimises: the loss scores one example, the cost averages it over the training set.",
        related=("gradient-descent", "binary-classification", "regression"),
    ),
    Term(
        slug="gradient-descent",
        name="Gradient descent",
        zh="梯度下降",
        aliases=("stochastic gradient descent", "SGD", "mini-batch gradient descent"),
        section="training",
        summary="Repeatedly step the parameters against the gradient of the cost: w := w − α ∂J/∂w.",
        related=("learning-rate", "batch", "loss-function"),
        claims=(
            Claim(
                "gradient-descent-batch-vs-sgd",
                "Batch GD costs much per step and cannot learn online; SGD is fast but wanders around the optimum.",
            ),
        ),
    ),
    Term(
        slug="learning-rate",
        name="Learning rate",
        zh="学习率",
        section="training",
        summary="The step size α of gradient descent: too large diverges, too small crawls.",
        related=("gradient-descent", "optimizer", "parameters-and-hyperparameters"),
        claims=(
            Claim(
                "learning-rate-definition",
                "The learning rate is the amount by which the cost function is minimised in each iteration.",
            ),
        ),
    ),
    Term(
        slug="backpropagation",
        name="Backpropagation",
        zh="反向传播",
        zh_aliases=("链式法则",),
        aliases=("chain rule",),
        section="training",
        summary="Computing every parameter's gradient of the loss with the chain rule, from the output layer back to the input.",
        related=("forward-propagation", "gradient-descent", "vanishing-gradient"),
        claims=(
            Claim(
                "backpropagation-hyperparameters",
                "Backpropagation uses the output sensitivity to quickly compute the network's hyperparameters.",
            ),
        ),
    ),
    Term(
        slug="batch",
        name="Batch",
        zh="批次",
        zh_aliases=("批量大小",),
        aliases=("mini-batch", "batch size"),
        section="training",
        summary="The examples used for one gradient step; an epoch has ceil(n / batch_size) steps.",
        related=("epoch", "gradient-descent", "optimizer"),
        claims=(
            Claim(
                "batch-minibatch-generalises",
                "Mini-batch training generalises better than feeding the whole data set at once.",
            ),
        ),
    ),
    Term(
        slug="optimizer",
        name="Optimizer",
        zh="优化器",
        aliases=("RMSprop", "Adam"),
        section="training",
        summary="The rule that turns gradients into parameter updates: SGD, momentum, RMSprop, Adam.",
        related=("gradient-descent", "learning-rate", "batch"),
    ),
    Term(
        slug="overfitting",
        name="Overfitting",
        zh="过拟合",
        zh_aliases=("泛化",),
        aliases=("generalisation", "generalization"),
        section="training",
        summary="Fitting the training data, noise included, better than new data: the gap between training and held-out performance.",
        related=("regularization", "dropout", "epoch"),
        claims=(
            Claim(
                "overfitting-random-labels",
                "The final accuracy is about 80%, and the predictions are correct.",
            ),
        ),
    ),
    Term(
        slug="regularization",
        name="Regularisation",
        zh="正则化",
        aliases=("regularization", "weight decay", "L2 penalty"),
        section="training",
        summary="Penalising large weights (L1/L2) to trade training fit for generalisation; the strength is a hyperparameter.",
        related=("overfitting", "dropout", "parameters-and-hyperparameters"),
    ),
    Term(
        slug="convolutional-neural-network",
        name="Convolutional neural network",
        zh="卷积神经网络",
        aliases=("CNN", "convolution", "convolutional layer"),
        section="cnn",
        summary="A network of convolutional layers: small filters slide over the input and share their weights across positions.",
        related=("filter", "pooling", "multilayer-perceptron"),
        claims=(
            Claim(
                "cnn-2352-weights",
                "A 28×28×3 image fed to an ordinary dense neuron needs 2352 weights per neuron; convolution shares weights.",
            ),
        ),
    ),
    Term(
        slug="filter",
        name="Filter",
        zh="滤波器",
        zh_aliases=("卷积核", "特征图"),
        # not plain "kernel": a Dense layer's weight matrix is called that too
        aliases=("convolution kernel", "feature map"),
        section="cnn",
        summary="The small weight array a convolution slides over its input; its output is a feature map.",
        related=("convolutional-neural-network", "edge-detection", "padding"),
    ),
    Term(
        slug="edge-detection",
        name="Edge detection",
        zh="边缘检测",
        section="cnn",
        summary="A filter that responds where brightness changes: the classic first job of a convolution.",
        related=("filter", "convolutional-neural-network", "padding"),
    ),
    Term(
        slug="stride",
        name="Stride",
        zh="步幅",
        section="cnn",
        summary="How many pixels a filter moves between positions; stride s divides the output size by about s.",
        related=("padding", "filter", "pooling"),
    ),
    Term(
        slug="pooling",
        name="Pooling",
        zh="池化",
        zh_aliases=("最大池化", "平均池化"),
        aliases=("max pooling", "average pooling"),
        section="cnn",
        summary="Down-sampling by taking the maximum (or mean) of each window; no weights to learn.",
        related=("stride", "convolutional-neural-network", "padding"),
        claims=(
            Claim(
                "pooling-2x2-of-4x4",
                "A 2×2 pooling layer uses the maximum of each 4×4 matrix of the original image as its output.",
            ),
        ),
    ),
    Term(
        slug="data-augmentation",
        name="Data augmentation",
        zh="数据增强",
        section="cnn",
        summary="Random label-preserving changes (flips, rotations, brightness) to training images, active only during training.",
        related=("overfitting", "convolutional-neural-network", "dropout"),
    ),
    Term(
        slug="sequence-model",
        name="Sequence model",
        zh="序列模型",
        aliases=("sequence data",),
        section="rnn",
        summary="A model whose input or output is an ordered sequence, with tensors shaped (batch, time, features).",
        related=("recurrent-neural-network", "attention", "tensor"),
    ),
    Term(
        slug="recurrent-neural-network",
        name="Recurrent neural network",
        zh="循环神经网络",
        zh_aliases=("循环神经元",),
        aliases=("RNN", "recurrent neuron"),
        section="rnn",
        summary="A layer applied at every time step with the same weights, carrying a hidden state: h_t = tanh(W_x x_t + W_h h_(t−1) + b).",
        related=("sequence-model", "backpropagation-through-time", "vanishing-gradient"),
    ),
    Term(
        slug="backpropagation-through-time",
        name="Backpropagation through time",
        zh="通过时间的反向传播",
        aliases=("BPTT",),
        section="rnn",
        summary="Backpropagation on the recurrent network unrolled over its time steps; gradients flow back through every step.",
        related=("recurrent-neural-network", "backpropagation", "vanishing-gradient"),
    ),
    Term(
        slug="attention",
        name="Attention",
        zh="注意力模型",
        aliases=("attention model", "scaled dot-product attention"),
        section="rnn",
        summary="Each output is a weighted average of values, weighted by softmax-normalised query–key similarities.",
        related=("sequence-model", "softmax", "recurrent-neural-network"),
    ),
    Term(
        slug="handwritten-digits",
        name="Handwritten digit recognition",
        zh="手写数字识别",
        section="worked-example",
        summary="An MLP that reads 8×8 images of handwritten digits, end to end: data, one-hot labels, training, evaluation.",
        related=("multilayer-perceptron", "one-hot-encoding", "overfitting"),
    ),
    Term(
        slug="tensor",
        name="Tensor",
        zh="张量",
        zh_aliases=("阶", "轴"),
        aliases=("rank", "axis"),
        section="foundations",
        summary="An n-dimensional array of numbers with a shape and a dtype; its number of axes is its rank.",
        related=("vectorization", "model", "deep-learning-framework"),
        claims=(
            Claim(
                "tensor-sum-axes",
                "For a = [[1,2],[3,4]], np.sum(a, axis=0) is [4, 6] and axis=1 gives [3, 7].",
            ),
        ),
    ),
    Term(
        slug="deep-learning-framework",
        name="Deep learning framework",
        zh="深度学习框架",
        section="foundations",
        summary="A library that gives tensors, automatic differentiation, layers, optimizers and devices: here TensorFlow with Keras 3.",
        related=("tensor", "model", "neural-network"),
    ),
    Term(
        slug="model",
        name="Model",
        zh="模型",
        zh_aliases=("序贯模型",),
        aliases=("Keras Sequential model",),
        section="foundations",
        summary="A function from input tensors to output tensors with learnable parameters; keras.Sequential stacks layers in a line.",
        related=("layers", "tensor", "epoch"),
    ),
    Term(
        slug="supervised-learning",
        name="Supervised learning",
        zh="有监督学习",
        section="foundations",
        summary="Learning a mapping from inputs to desired outputs from labelled examples (input object plus supervision signal).",
        related=("unsupervised-learning", "regression", "binary-classification"),
    ),
    Term(
        slug="unsupervised-learning",
        name="Unsupervised learning",
        zh="无监督学习",
        zh_aliases=("聚类",),
        aliases=("clustering",),
        section="foundations",
        summary="Finding structure in inputs without labels, for example clustering, which needs only a similarity measure.",
        related=("supervised-learning", "tensor"),
    ),
    Term(
        slug="regression",
        name="Regression",
        zh="回归",
        section="foundations",
        summary="Predicting a continuous value; the simplest Keras model is one Dense(1) unit fitted by mean squared error.",
        related=("supervised-learning", "epoch", "neuron"),
        claims=(
            Claim("regression-nb-epoch", "fit(..., nb_epoch=200) trains for 200 epochs."),
            Claim(
                "regression-extrapolation",
                "A model trained on inputs in [0, 1] predicts poorly far outside that range (e.g. at 6).",
            ),
        ),
    ),
    Term(
        slug="binary-classification",
        name="Binary classification",
        zh="二分分类",
        section="foundations",
        summary="Assigning one of two labels, 1 (cat) or 0 (not cat), to an input x; the prediction is written ŷ.",
        related=("logistic-regression", "supervised-learning", "sigmoid"),
    ),
    Term(
        slug="logistic-regression",
        name="Logistic regression",
        zh="logistic 回归",
        section="foundations",
        summary="Binary classification by ŷ = σ(wᵀx + b): one sigmoid neuron whose output reads as a probability.",
        related=("binary-classification", "sigmoid", "neuron"),
    ),
    Term(
        slug="vectorization",
        name="Vectorization",
        zh="向量化",
        section="foundations",
        summary="Replacing Python loops by whole-array operations: the same numbers, many times faster.",
        related=("tensor", "deep-neural-network"),
    ),
    Term(
        slug="parameters-and-hyperparameters",
        name="Parameters vs hyperparameters",
        zh="参数与超参数",
        zh_aliases=("参数", "超参数"),
        section="foundations",
        summary="Parameters (weights, biases) are learned by training; hyperparameters (learning rate, batch size, epochs, layers, units, activation, regularisation) are chosen before it.",
        related=("weights-and-bias", "epoch", "model"),
    ),
    Term(
        slug="one-hot-encoding",
        name="One-hot encoding",
        zh="独热编码",
        section="foundations",
        summary="Class k of K written as a length-K vector with a 1 at index k and 0 elsewhere (keras.utils.to_categorical).",
        related=("softmax", "supervised-learning", "binary-classification", "handwritten-digits"),
        claims=(
            Claim("one-hot-label-2", "It turns label 2 into [0,0,1,0,0,0,0,0,0,0]."),
        ),
    ),
    Term(
        slug="weights-and-bias",
        name="Weights and bias",
        zh="权重与偏置",
        zh_aliases=("权重", "偏置"),
        aliases=("weight", "bias"),
        section="neurons",
        summary="A neuron's learned parameters: a weight scales each input, the bias shifts the sum; the bias is the negative of the threshold.",
        related=("neuron", "perceptron", "parameters-and-hyperparameters"),
    ),
    Term(
        slug="perceptron",
        name="Perceptron",
        zh="感知器",
        zh_aliases=("感知机", "阈值逻辑单元"),
        aliases=("M-P neuron", "threshold logic unit"),
        section="neurons",
        summary="Rosenblatt's 1957 unit: a step function of a weighted sum; it can compute AND, OR and NOT but not XOR.",
        related=("neuron", "weights-and-bias", "multilayer-perceptron"),
        claims=(
            Claim(
                "perceptron-logic-gates",
                "AND with w1 = w2 = 1, θ = 2; OR with w1 = w2 = 1, θ = 0.5; NOT x1 with w1 = −0.6, "
                "w2 = 0, θ = −0.5 (output 1 when w·x − θ ≥ 0).",
            ),
        ),
    ),
    Term(
        slug="sigmoid-neuron",
        name="Sigmoid neuron",
        zh="S 型神经元",
        section="neurons",
        summary="A neuron with the sigmoid activation: small changes of weights and bias give small changes of output, unlike a perceptron's step.",
        related=("perceptron", "sigmoid", "neuron"),
    ),
    Term(
        slug="sigmoid",
        name="Sigmoid",
        zh="sigmoid 函数",
        zh_aliases=("挤压函数",),
        aliases=("logistic function",),
        section="neurons",
        summary="σ(z) = 1/(1 + e^−z) squashes any number into (0, 1); its derivative σ(1 − σ) is at most 0.25.",
        related=("tanh", "activation-function", "logistic-regression"),
        claims=(
            Claim(
                "sigmoid-output-layer",
                "Sigmoid beats tanh in the output layer because outputs in 0..1 read as probabilities.",
            ),
        ),
    ),
    Term(
        slug="tanh",
        name="Hyperbolic tangent",
        zh="tanh 函数",
        aliases=("tanh",),
        section="neurons",
        summary="tanh(z) = 2σ(2z) − 1: an S-shaped activation with outputs in (−1, 1), centred on 0.",
        related=("sigmoid", "activation-function", "relu"),
        claims=(
            Claim("tanh-hidden-layers", "Tanh beats sigmoid in hidden layers because its outputs have mean 0."),
        ),
    ),
    Term(
        slug="softmax",
        name="Softmax",
        zh="softmax 函数",
        section="neurons",
        summary="Turns a vector of scores into probabilities: exponentiate each, divide by their sum.",
        related=("sigmoid", "one-hot-encoding", "activation-function"),
        claims=(
            Claim(
                "softmax-normalised-sigmoid",
                "Softmax is like sigmoid except that the outputs are normalised to sum to 1.",
            ),
        ),
    ),
    Term(
        slug="neural-network",
        name="Neural network",
        zh="神经网络",
        section="networks",
        summary="Neurons connected in layers: a parametrised function fitted to approximate an unknown one.",
        related=("neuron", "layers", "multilayer-perceptron"),
    ),
    Term(
        slug="layers",
        name="Input, hidden and output layers",
        zh="输入层、隐藏层、输出层",
        zh_aliases=("输入层", "隐藏层", "输出层"),
        section="networks",
        summary="The input layer holds the data (no weights), hidden layers transform it, the output layer gives the prediction.",
        related=("neural-network", "multilayer-perceptron", "model"),
        claims=(
            Claim(
                "layers-hidden-unit-rule",
                "(A rule of thumb) hidden units 5–10× the number of classes for classification, "
                "2–3× the input dimension for regression.",
            ),
        ),
    ),
    Term(
        slug="multilayer-perceptron",
        name="Multilayer perceptron",
        zh="多层感知器",
        zh_aliases=("全连接网络",),
        aliases=("MLP", "fully connected layer", "dense layer"),
        section="networks",
        summary="Layers whose every unit feeds every unit of the next; keras.layers.Dense computes activation(dot(input, kernel) + bias).",
        related=("perceptron", "layers", "deep-neural-network", "handwritten-digits"),
    ),
    Term(
        slug="deep-neural-network",
        name="Deep neural network",
        zh="深层神经网络",
        section="networks",
        summary="A network with several hidden layers, A[l] = g(W[l]A[l−1] + b[l]): features computed from features.",
        related=("multilayer-perceptron", "forward-propagation", "vanishing-gradient"),
    ),
    Term(
        slug="forward-propagation",
        name="Forward propagation",
        zh="正向传播",
        section="networks",
        summary="Computing a network's output from its input, layer after layer, in one direction.",
        related=("deep-neural-network", "layers", "neuron"),
    ),
    Term(
        slug="neuron",
        name="Neuron",
        zh="神经元",
        aliases=("artificial neuron",),
        section="neurons",
        summary="A weighted sum of the inputs plus a bias, passed through an activation function.",
        related=("activation-function", "relu"),
    ),
    Term(
        slug="activation-function",
        name="Activation function",
        zh="激活函数",
        section="neurons",
        summary="The non-linear function a neuron applies to its weighted sum; without it stacked layers collapse to one linear map.",
        related=("neuron", "relu", "vanishing-gradient"),
    ),
    Term(
        slug="relu",
        name="ReLU",
        zh="整流线性单元",
        aliases=("rectified linear unit",),
        section="neurons",
        summary="The activation max(0, x): identity for positive inputs, zero otherwise.",
        related=("activation-function", "vanishing-gradient", "neuron"),
        claims=(
            Claim("relu-faster-training", "Its constant derivative makes training faster."),
            Claim("relu-sparsity", "About half the units are inactive (sparsity)."),
            Claim(
                "relu-activation-rate-2n",
                "When a model adds N layers, the activation rate of ReLU neurons falls by a factor of 2^N.",
            ),
        ),
    ),
    Term(
        slug="epoch",
        name="Epoch",
        zh="周期",
        zh_aliases=("轮次",),
        section="training",
        summary="One full pass of training over every example in the training data.",
        related=("batch", "overfitting", "dropout"),
    ),
    Term(
        slug="dropout",
        name="Dropout",
        zh="丢弃",
        section="training",
        summary="A regulariser that zeroes random units during training only, scaling the kept ones by 1/(1 − rate).",
        related=("epoch", "neuron", "relu"),
        claims=(
            Claim(
                "dropout-ensemble",
                "Training runs on many thinned networks and the outputs of the multiple networks "
                "are used to produce the final output.",
            ),
        ),
    ),
    Term(
        slug="padding",
        name="Padding",
        zh="填充",
        zh_aliases=("有效填充", "相同填充"),
        aliases=("valid padding", "same padding"),
        section="cnn",
        summary="Extra border pixels (zeros) around a convolution's input; 'valid' adds none, 'same' keeps the size at stride 1.",
        related=("stride", "filter", "convolutional-neural-network"),
        claims=(
            Claim(
                "padding-output-sizes",
                "A 6×6 input and a 3×3 filter give 4×4; padding by one pixel gives 8×8 and then a 6×6 output.",
            ),
            Claim(
                "padding-corner-pixels",
                "Corner pixels are used by fewer output positions than central ones.",
            ),
            Claim("padding-same-keeps-size", "'same' padding keeps the output size."),
            Claim(
                "padding-valid-keeps-pixels",
                "Valid padding keeps the image the same number of pixels as the actual image.",
            ),
        ),
    ),
    Term(
        slug="vanishing-gradient",
        name="Vanishing gradient",
        zh="梯度消失",
        aliases=("vanishing gradient problem",),
        section="rnn",
        summary="Gradients shrink layer by layer (or step by step) on the way back, so early layers barely learn.",
        related=("exploding-gradient", "relu", "activation-function"),
        claims=(
            Claim(
                "vanishing-gradient-relu",
                "It can be solved by using ReLU, an activation function without small gradients.",
            ),
        ),
    ),
    Term(
        slug="exploding-gradient",
        name="Exploding gradient",
        zh="梯度爆炸",
        zh_aliases=("梯度裁剪",),
        aliases=("exploding gradient problem", "gradient clipping"),
        section="rnn",
        summary="Gradients grow layer by layer (or step by step) on the way back until updates overshoot; clipping caps them.",
        related=("vanishing-gradient", "relu", "activation-function"),
        claims=(
            Claim(
                "exploding-gradient-clipping",
                "It can be solved easily by clipping gradients so they do not exceed a certain value.",
            ),
        ),
    ),
)

# The full scope, in the order of the inventory the site is built from: the
# index and the sidebar list terms in this order within each section.
INVENTORY: tuple[str, ...] = (
    "tensor", "deep-learning-framework", "model", "supervised-learning",
    "unsupervised-learning", "regression", "binary-classification", "logistic-regression",
    "vectorization", "parameters-and-hyperparameters", "one-hot-encoding",
    "neuron", "weights-and-bias", "perceptron", "sigmoid-neuron", "activation-function",
    "sigmoid", "tanh", "relu", "softmax",
    "neural-network", "layers", "multilayer-perceptron", "deep-neural-network",
    "forward-propagation",
    "loss-function", "gradient-descent", "learning-rate", "backpropagation", "batch", "epoch",
    "optimizer", "overfitting", "regularization", "dropout",
    "convolutional-neural-network", "filter", "edge-detection", "padding", "stride", "pooling",
    "data-augmentation",
    "sequence-model", "recurrent-neural-network", "backpropagation-through-time",
    "vanishing-gradient", "exploding-gradient", "attention",
    "handwritten-digits",
)

TERMS: tuple[Term, ...] = tuple(sorted(_TERMS, key=lambda t: INVENTORY.index(t.slug)))
_BY_SLUG = {t.slug: t for t in TERMS}


class UnknownTermError(LookupError):
    """Raised for a slug that is not in the registry; carries the closest slug."""

    def __init__(self, slug: str, suggestion: str | None):
        self.slug = slug
        self.suggestion = suggestion
        hint = f"; did you mean '{suggestion}'?" if suggestion else ""
        super().__init__(f"unknown term '{slug}'{hint}")


def closest_slug(slug: str) -> str | None:
    """The registered slug nearest to ``slug``, or None if none is close.

    >>> closest_slug("dropuot")
    'dropout'
    >>> closest_slug("zzzzzz") is None
    True
    """
    matches = difflib.get_close_matches(slug.lower(), list(_BY_SLUG), n=1, cutoff=0.6)
    return matches[0] if matches else None


def term(slug: str) -> Term:
    """The registry entry for ``slug``.

    >>> term("relu").name
    'ReLU'
    >>> term("dropuot")
    Traceback (most recent call last):
    ...
    glossary_examples._lib.registry.UnknownTermError: unknown term 'dropuot'; did you mean 'dropout'?
    """
    try:
        return _BY_SLUG[slug]
    except KeyError:
        raise UnknownTermError(slug, closest_slug(slug)) from None


def sections() -> list[Section]:
    """The sections that have at least one term, in inventory order."""
    used = {t.section for t in TERMS}
    return [s for s in SECTIONS if s.key in used]


def terms_in(section: str) -> list[Term]:
    """The terms of one section, in registry order."""
    return [t for t in TERMS if t.section == section]


def all_claims() -> list[tuple[Term, Claim]]:
    """Every source claim with the term it belongs to."""
    return [(t, c) for t in TERMS for c in t.claims]
