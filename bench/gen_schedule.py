#!/usr/bin/env python3
"""Generate a scheduling instance: requirements CSV and shifts TOML (seeded, standard library).

    gen_schedule.py --days 7 --peak 40 --interval 30 --seed 1 --out-prefix DIR/week

Requirements: open 07:00-22:00 every day (zero outside), a two-humped intraday curve (peaks
around 10:30 and 15:30) scaled to --peak agents, weekends at 60 %, +-15 % noise per interval.
Shifts: starts every 30 min from 07:00 such that the shift ends by 22:00 (no shift crosses
midnight, so pyworkforce's per-day model is the same problem), lengths 4 h (cost 5),
6 h (cost 7), 8 h with a 30-min paid break after 4 h (cost 9), all days. Zone UTC, so the
comparison has no DST. Writes OUT.req.csv and OUT.shifts.toml.
"""
import argparse
import math
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--peak", type=int, default=40)
    ap.add_argument("--interval", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out-prefix", required=True)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    per_day = 1440 // a.interval
    with open(a.out_prefix + ".req.csv", "w") as f:
        f.write("interval_start,required\n")
        for d in range(a.days):
            weekend = (d % 7) >= 5  # 2026-03-02 is a Monday
            for p in range(per_day):
                minute = p * a.interval
                h = minute / 60
                if 7 <= h < 22:
                    curve = 0.35 + 0.65 * math.exp(-((h - 10.5) / 2.0) ** 2) + 0.55 * math.exp(-((h - 15.5) / 2.5) ** 2)
                    r = a.peak * curve / 1.0 * (0.6 if weekend else 1.0) * rnd.uniform(0.85, 1.15)
                    req = max(0, round(r))
                else:
                    req = 0
                f.write(f"2026-03-{2 + d:02d} {minute // 60:02d}:{minute % 60:02d},{req}\n")
    with open(a.out_prefix + ".shifts.toml", "w") as f:
        f.write(f'zone = "UTC"\ninterval_minutes = {a.interval}\n')
        for hours, cost, brk in ((4, 5, None), (6, 7, None), (8, 9, (240, 30))):
            start = 7 * 60
            while start + hours * 60 <= 22 * 60:
                f.write(f'\n[[shift]]\nname = "h{hours}-{start // 60:02d}{start % 60:02d}"\n'
                        f'start = "{start // 60:02d}:{start % 60:02d}"\nlength = "{hours}h"\ncost = {cost}\n')
                if brk:
                    f.write(f'breaks = [{{ after = "{brk[0]}m", length = "{brk[1]}m" }}]\n')
                start += 30


if __name__ == "__main__":
    main()
