"""One module per corpus family. Each exposes `read(source) -> Iterator[Row]`."""
