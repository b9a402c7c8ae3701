"""A tiny random Llama with a tiny ChatML tokenizer, exported through the real code path.

Shared by the generator test modules: every builder caches on disk under the directory it is
given (the session's pytest base temp), so the export runs once per test session.
"""

from __future__ import annotations

from pathlib import Path

from export.generator import ExportedGenerator, ValidationSpec, export_generator_onnx

SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
    "Face<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
CORPUS = [
    "Where is my order? It shipped on Monday and should arrive soon.",
    "This ceramic mug holds 350 ml and is dishwasher safe.",
    "A warm wool scarf in navy blue, hand made, 180 cm long.",
    "You are a helpful AI assistant named SmolLM, trained by Hugging Face",
    "Thanks for your message! We will refund the damaged lamp today.",
    "system user assistant product description reply customer",
] * 20


def tiny_source(base: Path) -> Path:
    """A random 2-layer Llama (hidden 32, GQA) and a 400-token byte-level BPE tokenizer."""
    directory = base / "tiny-llama"
    if (directory / "config.json").is_file():
        return directory
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    bpe = Tokenizer(models.BPE(unk_token="<|endoftext|>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(CORPUS, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|im_end|>",
        unk_token="<|endoftext|>",
    )
    tokenizer.chat_template = SMOLLM2_TEMPLATE
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=bpe.get_vocab_size(),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=256,
        initializer_range=0.2,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=2,
        tie_word_embeddings=True,
    )
    LlamaForCausalLM(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def registry_root(base: Path) -> Path:
    """Registry root whose ``.work`` cache :func:`export.generator.build_generator` shares."""
    return base / "models"


def tiny_export(base: Path) -> ExportedGenerator:
    """The tiny model exported, quantised and validated (cached under ``base``)."""
    work_dir = registry_root(base) / ".work" / "generator"
    return export_generator_onnx(tiny_source(base), work_dir, progress=False, spec=ValidationSpec())
