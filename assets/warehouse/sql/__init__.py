"""View definitions (DuckDB SQL) shipped with the package; read with importlib.resources."""
