#!/usr/bin/env python3
"""Rolling-origin backtest of the forecasting peers (statsforecast), on the same folds as
`opsdeck forecast --backtest DAYS --fold-days H`.

Adapted from ../shared/peers/forecast_peer.py (same models and model settings:
SeasonalNaive(m), SeasonalNaive(weekly), MSTL(season_length=[m, weekly],
trend_forecaster=AutoETS(model="ZZN")), n_jobs=1), with two changes so that it runs on the real
opening-hours series and on several origins:

  * season lengths are counted in rows, not in clock time: m = median rows per date of the
    training data (169 for the US-bank 5-minute series, which only holds 07:00-21:05 on
    weekdays; 48 for 30-minute 24 h data) and weekly = m * median dates per ISO week (5 for the
    US bank). The peer's m = 1 day / median spacing would say 288 for 5-minute data, which is not
    a season of a series without nights and weekends. ds is the row number (freq = 1).
  * folds: the test window is the calendar dates in (last date - DAYS, last date], cut into
    blocks of H calendar days; each block is forecast from everything before it (h = rows of
    the block). WAPE = sum|y - yhat| / sum|y| over all blocks; MASE = mean|y - yhat| over all
    blocks / the in-sample MAE of the daily seasonal naive (lag m rows) on the data before the
    first block.

Input: CSV (plain or .gz) with a timestamp column and a volume column, or a date column plus a
time-of-day column (--date-col).

Usage: forecast_folds.py PATH [--ts-col ts] [--date-col D] [--volume-col volume]
                         [--backtest-days 56] [--fold-days 7] [--models snaive_daily,snaive_weekly,mstl]
Last line of stdout: one JSON object with WAPE, MASE and fit+predict seconds per model.
"""
import argparse
import json
import time

import numpy as np


def load(a):
    import pandas as pd

    df = pd.read_csv(a.path)
    if a.date_col:
        ts = pd.to_datetime(df[a.date_col].astype(str) + " " + df[a.ts_col].astype(str))
    else:
        ts = pd.to_datetime(df[a.ts_col])
    out = pd.DataFrame({"ts": ts, "y": df[a.volume_col].astype(float)}).sort_values("ts").reset_index(drop=True)
    out["date"] = out["ts"].dt.normalize()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path")
    ap.add_argument("--ts-col", default="ts")
    ap.add_argument("--date-col", default=None)
    ap.add_argument("--volume-col", default="volume")
    ap.add_argument("--backtest-days", type=int, default=56)
    ap.add_argument("--fold-days", type=int, default=7)
    ap.add_argument("--models", default="snaive_daily,snaive_weekly,mstl")
    a = ap.parse_args()

    import pandas as pd
    import statsforecast
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoETS, SeasonalNaive

    df = load(a)
    last = df["date"].max()
    start = last - pd.Timedelta(days=a.backtest_days - 1)
    folds = []
    s = start
    while s <= last:
        e = min(s + pd.Timedelta(days=a.fold_days), last + pd.Timedelta(days=1))
        folds.append((s, e))
        s = e
    first_train = df[df["date"] < start]
    per_date = first_train.groupby("date").size()
    m = int(per_date.median())
    iso = first_train["date"].drop_duplicates().dt.isocalendar()
    days_per_week = int(iso.groupby(["year", "week"]).size().median())
    weekly = m * days_per_week
    y0 = first_train["y"].to_numpy()
    scale = float(np.mean(np.abs(y0[m:] - y0[:-m])))

    makers = {
        "snaive_daily": lambda: SeasonalNaive(season_length=m),
        "snaive_weekly": lambda: SeasonalNaive(season_length=weekly),
        "mstl": lambda: MSTL(season_length=[m, weekly], trend_forecaster=AutoETS(model="ZZN")),
    }
    names = [n for n in a.models.split(",") if n]
    # warm-up (numba JIT) on a tiny series, as the peer does
    tiny = pd.DataFrame({"unique_id": "v", "ds": np.arange(3 * weekly), "y": y0[: 3 * weekly]})
    for n in names:
        sf = StatsForecast(models=[makers[n]()], freq=1, n_jobs=1)
        sf.fit(tiny)
        sf.predict(h=m)

    res = {}
    for n in names:
        abs_err = 0.0
        abs_y = 0.0
        count = 0
        secs = 0.0
        for fs, fe in folds:
            train = df[df["date"] < fs]
            test = df[(df["date"] >= fs) & (df["date"] < fe)]
            if len(test) == 0:
                continue
            sf_train = pd.DataFrame({"unique_id": "v", "ds": np.arange(len(train)), "y": train["y"].to_numpy()})
            sf = StatsForecast(models=[makers[n]()], freq=1, n_jobs=1)
            t0 = time.perf_counter()
            sf.fit(sf_train)
            fc = sf.predict(h=len(test))
            secs += time.perf_counter() - t0
            col = [c for c in fc.columns if c not in ("unique_id", "ds")][0]
            yhat = fc[col].to_numpy(dtype=float)
            err = np.abs(test["y"].to_numpy() - yhat)
            abs_err += float(err.sum())
            abs_y += float(np.abs(test["y"].to_numpy()).sum())
            count += len(test)
        res[n] = {"wape": round(abs_err / abs_y, 4), "mase": round(abs_err / count / scale, 4),
                  "fit_predict_s": round(secs, 3)}
        print(f"{n:14s} WAPE={res[n]['wape']:.4f} MASE={res[n]['mase']:.4f} fit+predict={secs:.2f}s "
              f"({len(folds)} folds)", flush=True)
    print(json.dumps({"script": "forecast_folds", "peer": f"statsforecast {statsforecast.__version__}",
                      "input": a.path, "rows": int(len(df)), "folds": len(folds),
                      "first_test_date": str(start.date()), "last_date": str(last.date()),
                      "season_rows": m, "weekly_rows": weekly, "mase_scale": round(scale, 4),
                      "models": res}), flush=True)


if __name__ == "__main__":
    main()
