"""Baselines per trait: trained on train, hyper-parameter picked on dev, scored once on test.

Models: majority class (or mean), logistic regression on contour summaries (document features
averaged per subject plus author features), TF-IDF word 1-2-grams, and both stacked. A label's
scale decides its task (`schemas.label_scales`): binary labels are classification (accuracy,
macro F1); percentiles such as PANDORA's and crowd ratings are regression (ridge, Pearson r and
mean absolute error), as in the published work. The scale, not the values: a percentile column
whose test subjects happen to score 0 or 1 is still a regression.

The unit is the label's subject: an author's documents are concatenated (up to a character
budget, in doc_id order) when labels describe authors, as in PANDORA and Kaggle MBTI; a document
is its own unit when the corpus labels documents. TF-IDF is fitted on the training texts only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.sparse as sp
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from assets.curate.dataset import POOLED, ExportConfig, connect, dataset_query
from assets.ingest.registry import FAMILIES
from assets.lake import Lake
from schemas.label_scales import task_of
from schemas.splits import BASELINE_SCORES


@dataclass(frozen=True)
class BaselineConfig:
    max_chars_per_subject: int = 20_000
    max_features: int = 50_000
    min_df: int = 2
    c_grid: tuple[float, ...] = (0.1, 1.0, 10.0)
    # 317 correlated contour summaries overfit a few thousand subjects at C >= 0.1 (Essays:
    # contours LR below the majority class on EXT); dense features get a stronger range.
    dense_c_grid: tuple[float, ...] = (0.001, 0.01, 0.1, 1.0)
    alpha_grid: tuple[float, ...] = (1.0, 10.0, 100.0)
    min_train_subjects: int = 10
    # Labelled training subjects per trait: enough for a stable baseline; beyond it the fits
    # cost minutes per trait (twitter_mbti has no authors, so each tweet is a subject). Subject
    # ids are hashes and the frame is sorted by them, so the first N are a deterministic,
    # unbiased sample.
    max_train_subjects: int = 20_000
    # Models also scored on text whose self-disclosed labels are kept (ExportConfig
    # mask_label_mentions=False), beside the masked default, so the card shows the leak. TF-IDF
    # alone: the contour features and the majority class do not read the text. () skips it.
    unmasked_models: tuple[str, ...] = ("tfidf_lr",)


def published_for(dataset: str, trait: str, metric: str) -> str | None:
    """The published figure for a corpus's label and metric, from its registry entry."""
    corpus = FAMILIES.get(dataset)
    hit = corpus.published.get(trait) if corpus else None
    return hit[1] if hit and hit[0] == metric else None


def subject_frame(lake: Lake, dataset: str, config: BaselineConfig,
                  export: ExportConfig | None = None
                  ) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """One row per (split, subject): concatenated text, labels and mean features; with the label
    columns (each mapped to its scale) and the feature columns."""
    export = export or ExportConfig()
    con = connect(lake)
    try:
        query = dataset_query(lake, con, dataset, export)
        labels = lake.relation(export.zone, "labels")
        corpus_ok = "true" if dataset == POOLED else f"corpus = '{dataset}'"
        (doc_level,) = con.execute(
            f"SELECT count(*) > 0 FROM {labels} WHERE subject_kind = 'document' AND {corpus_ok}"
        ).fetchall()[0]
        unit = "doc_id" if doc_level else "coalesce(author_id, doc_id)"
        label_cols = {c: query.label_scales[c] for c in query.label_columns
                      if not c.startswith("demographic_")}
        columns = ", ".join(f'"{c}"' for c in [*label_cols, *query.feature_columns])
        # Sums must not depend on thread scheduling (a parallel sum's last bits vary from run
        # to run), so each subject's rows are added in doc_id order. Ordered aggregates
        # (`avg(x ORDER BY doc_id)`) do that but buffer every value of every column per group:
        # over 300 feature columns that ran out of 1 GB on the real corpora. Instead the rows
        # are stored once in that order and aggregated by one thread, which adds them in the
        # order it scans them: the same sums, bit for bit, in a fraction of the memory.
        con.execute(f"""CREATE TEMP TABLE subject_rows AS
            SELECT split, {unit} AS subject, doc_id, text{', ' + columns if columns else ''}
            FROM ({query.sql}) ORDER BY split, subject, doc_id""")
        con.execute("SET threads = 1")
        aggs = [f'max("{c}") AS "{c}"' for c in label_cols]
        aggs += [f'avg("{c}") AS "{c}"' for c in query.feature_columns]
        sql = f"""SELECT split, subject,
                  left(string_agg(text, ' '), {config.max_chars_per_subject})
                      AS text {''.join(', ' + a for a in aggs)}
                  FROM subject_rows GROUP BY split, subject ORDER BY split, subject"""
        frame = con.sql(sql).df()
    finally:
        con.close()
    return frame, label_cols, list(query.feature_columns)


def run_baselines(lake: Lake, dataset: str, config: BaselineConfig | None = None,
                  export: ExportConfig | None = None,
                  models: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Score every model (or only `models`) on every trait of a dataset; rows follow
    `BASELINE_SCORES`, with `masked` telling whether label mentions were masked."""
    config, export = config or BaselineConfig(), export or ExportConfig()
    frame, label_cols, feature_cols = subject_frame(lake, dataset, config, export)
    parts = {s: frame[frame["split"] == s] for s in ("train", "dev", "test")}
    if min(len(p) for p in parts.values()) == 0:
        return []
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=config.min_df, sublinear_tf=True,
                                 max_features=config.max_features, dtype=np.float32)
    tfidf = {"train": vectorizer.fit_transform(parts["train"]["text"].fillna(""))}
    for s in ("dev", "test"):
        tfidf[s] = vectorizer.transform(parts[s]["text"].fillna(""))
    dense = {}
    if feature_cols:
        scaler = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                               StandardScaler())
        dense["train"] = scaler.fit_transform(parts["train"][feature_cols])
        for s in ("dev", "test"):
            dense[s] = scaler.transform(parts[s][feature_cols])
    # Beside TF-IDF rows of unit length, standardised features would dominate every row's norm
    # and leave the solver badly conditioned (200 s instead of 5 s per fit on twitter_mbti);
    # scaled by 1/sqrt(d) the block has unit length on average too.
    block_scale = 1.0 / math.sqrt(len(feature_cols)) if feature_cols else 1.0
    rows: list[dict[str, Any]] = []
    for trait, scale in label_cols.items():
        task = task_of(scale)
        if task is None or frame[trait].dropna().empty:
            continue
        masks = {s: parts[s][trait].notna().to_numpy(copy=True) for s in parts}
        # per trait, so a cap drawn over a pooled corpus of tweets keeps every Big Five essay
        masks["train"] &= np.cumsum(masks["train"]) <= config.max_train_subjects
        if masks["train"].sum() < config.min_train_subjects or masks["test"].sum() == 0:
            continue
        y = {s: parts[s][trait].to_numpy()[masks[s]] for s in parts}
        inputs: dict[str, dict[str, Any]] = {"tfidf_lr": {s: tfidf[s][masks[s]] for s in parts}}
        if dense:
            inputs["contours_lr"] = {s: dense[s][masks[s]] for s in parts}
            inputs["tfidf_contours_lr"] = {
                s: sp.hstack([tfidf[s][masks[s]],
                              sp.csr_matrix(dense[s][masks[s]] * block_scale)]).tocsr()
                for s in parts}
        scores = {"majority": _majority(task, y)}
        for model, x in inputs.items():
            if models is None or model in models:
                scores[model] = _fit_select_score(task, x, y, config)
        scores = {m: v for m, v in scores.items() if models is None or m in models}
        for model, metrics in scores.items():
            for metric, value in metrics.items():
                rows.append({"dataset": dataset, "trait": trait, "task": task, "model": model,
                             "metric": metric, "value": value,
                             "n_train": int(masks["train"].sum()),
                             "n_test": int(masks["test"].sum()),
                             "published": published_for(dataset, trait, metric),
                             "masked": export.mask_label_mentions})
    return rows


def run_masked_and_kept(lake: Lake, dataset: str, config: BaselineConfig | None = None
                        ) -> list[dict[str, Any]]:
    """Every model on masked text (what the exports hold by default), then
    `config.unmasked_models` on the text with its label mentions kept: the difference is what
    the models read off self-disclosed labels."""
    config = config or BaselineConfig()
    rows = run_baselines(lake, dataset, config, ExportConfig(mask_label_mentions=True))
    if rows and config.unmasked_models:
        rows += run_baselines(lake, dataset, config, ExportConfig(mask_label_mentions=False),
                              config.unmasked_models)
    return rows


def _majority(task: str, y: dict[str, np.ndarray]) -> dict[str, float | None]:
    if task == "classification":
        model = DummyClassifier(strategy="most_frequent").fit(np.zeros((len(y["train"]), 1)),
                                                              y["train"])
        return _classification_metrics(y["test"], model.predict(np.zeros((len(y["test"]), 1))))
    model = DummyRegressor().fit(np.zeros((len(y["train"]), 1)), y["train"])
    # A constant prediction has no correlation: its Pearson r is null (the card says why), and
    # its mean absolute error is the number to beat.
    return {"pearson_r": None,
            "mae": _mae(y["test"], model.predict(np.zeros((len(y["test"]), 1))))}


def _fit_select_score(task: str, x: dict[str, Any], y: dict[str, np.ndarray],
                      config: BaselineConfig) -> dict[str, float | None]:
    """Fit on train for each hyper-parameter, keep the best on dev, score it on test."""
    best, best_dev = None, -math.inf
    # liblinear for sparse TF-IDF; lbfgs for the few dense contour features, where it is 4-6x
    # faster (measured on twitter_mbti's 24k tweets x 317 features) at the same accuracy.
    sparse = sp.issparse(x["train"])
    solver = "liblinear" if sparse else "lbfgs"
    if task == "regression":
        grid = config.alpha_grid
    else:
        grid = config.c_grid if sparse else config.dense_c_grid
    for value in grid:
        if task == "classification":
            if len(set(y["train"])) < 2:
                return _majority(task, y)
            # liblinear shuffles with numpy's global generator unless given a seed
            model = LogisticRegression(C=value, max_iter=2000, solver=solver, random_state=0)
        else:
            model = Ridge(alpha=value)
        model.fit(x["train"], y["train"])
        dev = _primary(task, y["dev"], model.predict(x["dev"])) if len(y["dev"]) else 0.0
        if best is None or dev > best_dev:
            best, best_dev = model, dev
    prediction = best.predict(x["test"])
    if task == "classification":
        return _classification_metrics(y["test"], prediction)
    return {"pearson_r": _pearson(y["test"], prediction), "mae": _mae(y["test"], prediction)}


def _primary(task: str, truth: np.ndarray, prediction: np.ndarray) -> float:
    if task == "classification":
        return float(accuracy_score(truth, prediction))
    r = _pearson(truth, prediction)
    return -math.inf if r is None else r


def _classification_metrics(truth: np.ndarray, prediction: np.ndarray) -> dict[str, float]:
    return {"accuracy": round(float(accuracy_score(truth, prediction)), 4),
            "f1_macro": round(float(f1_score(truth, prediction, average="macro")), 4)}


def _pearson(truth: np.ndarray, prediction: np.ndarray) -> float | None:
    """Pearson r, or None where it is undefined (fewer than 2 values, or a constant side)."""
    if len(truth) < 2 or np.std(truth) == 0 or np.std(prediction) == 0:
        return None
    return round(float(np.corrcoef(truth, prediction)[0, 1]), 4)


def _mae(truth: np.ndarray, prediction: np.ndarray) -> float:
    return round(float(np.mean(np.abs(truth.astype(float) - prediction))), 4)


def write_scores(lake: Lake, dataset: str, scores: list[dict[str, Any]]) -> None:
    """Store one dataset's scores as its part of `curated/baseline_scores`."""
    lake.write_part("curated", "baseline_scores", dataset, "scores",
                    pa.Table.from_pylist(scores, schema=BASELINE_SCORES), keep_identical=True)


def read_scores(lake: Lake, dataset: str) -> list[dict[str, Any]]:
    """One dataset's stored scores, or [] when baselines have not run for it."""
    paths = lake.list_parts("curated", "baseline_scores", dataset)
    return pq.read_table(lake.fs.open(paths[0], "rb")).to_pylist() if paths else []
