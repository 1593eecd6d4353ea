//! Per-queue planning (volumes, forecast, staffing) and the FCFS multi-server simulation with
//! customer patience that turns arrivals into answered and abandoned contacts.

use super::rng::{fnv1a, Rng};
use super::DemoSpec;
use chrono::{DateTime, Datelike, Days, NaiveDate, Weekday};
use opsdeck_core::{Calendar, Channel, Org, ZoneCache};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::fmt::Write as _;

pub const DAY_S: i64 = 86_400;

/// Weekday volume factors, Monday first.
const WEEKLY: [f64; 7] = [1.18, 1.06, 1.0, 0.97, 0.92, 0.55, 0.40];
/// Share of answered contacts that get a CSAT survey response / an NPS response.
const CSAT_SHARE: f64 = 0.22;
const NPS_SHARE: f64 = 0.10;

/// One generated contact, compact; formatted by the writer.
#[derive(Debug, Clone, Copy)]
pub struct Rec {
    pub arrived: i64,
    pub answered: Option<i64>,
    pub ended: i64,
    pub talk: u32,
    pub hold: u32,
    pub acw: u32,
    pub agent: u32,
    pub csat: Option<u8>,
    pub nps: Option<u8>,
    pub fcr: bool,
    pub transferred: bool,
    /// Queue index in the org's (id-sorted) queue order.
    pub qi: u16,
    /// Sequence number within the queue, from 1, in arrival order.
    pub n: u32,
}

/// Channel behaviour, varied per queue.
#[derive(Debug, Clone)]
struct Profile {
    /// Live channels (voice, chat, …) are planned with Erlang C; deferred ones (email, ticket) flat.
    live: bool,
    /// Average-weekday contacts at scale 1.
    daily: f64,
    talk_mean: f64,
    talk_sigma: f64,
    hold_p: f64,
    hold_mean: f64,
    acw_mean: f64,
    patience_mean: f64,
    patience_sigma: f64,
    /// Share of callers who give up almost at once (short abandons).
    impatient_p: f64,
    transfer_p: f64,
    fcr_p: f64,
    /// Intraday curve: base + Gaussian bumps (hour, spread, height), local time.
    base: f64,
    bumps: [(f64, f64, f64); 3],
}

impl Profile {
    fn for_queue(id: &str, channel: Channel) -> Profile {
        let h = fnv1a(id);
        let u1 = (h >> 11) as f64 / (1u64 << 53) as f64;
        let u2 = (h.rotate_left(29) >> 11) as f64 / (1u64 << 53) as f64;
        let volume = 0.75 + 0.5 * u1;
        let voice_curve = (0.05, [(10.5, 1.6, 1.0), (14.5, 1.8, 0.8), (19.0, 1.6, 0.3)]);
        let chat_curve = (0.05, [(11.0, 2.0, 0.8), (15.0, 2.0, 0.8), (20.5, 1.8, 0.6)]);
        let email_curve = (0.15, [(9.5, 1.5, 1.0), (14.0, 2.5, 0.6), (20.0, 2.0, 0.2)]);
        let (live, daily, talk_mean, talk_sigma, hold_p, hold_mean, acw_mean, curve) = match channel
        {
            Channel::Voice | Channel::Callback => (
                true,
                1250.0,
                300.0 + 100.0 * u2,
                0.6,
                0.3,
                60.0,
                40.0 + 10.0 * u2,
                voice_curve,
            ),
            Channel::Chat | Channel::Messaging => (
                true,
                750.0,
                440.0 + 120.0 * u2,
                0.5,
                0.0,
                0.0,
                30.0,
                chat_curve,
            ),
            Channel::Email | Channel::Ticket => (
                false,
                380.0,
                350.0 + 100.0 * u2,
                0.7,
                0.0,
                0.0,
                45.0,
                email_curve,
            ),
        };
        let (patience_mean, patience_sigma, impatient_p, transfer_p, fcr_p) = match channel {
            Channel::Voice | Channel::Callback => (170.0, 0.8, 0.06, 0.09, 0.76),
            Channel::Chat | Channel::Messaging => (420.0, 0.7, 0.04, 0.06, 0.72),
            Channel::Email | Channel::Ticket => (4.0 * DAY_S as f64, 0.6, 0.0, 0.04, 0.68),
        };
        Profile {
            live,
            daily: daily * volume,
            talk_mean,
            talk_sigma,
            hold_p,
            hold_mean,
            acw_mean,
            patience_mean,
            patience_sigma,
            impatient_p,
            transfer_p,
            fcr_p,
            base: curve.0,
            bumps: curve.1,
        }
    }

    /// Expected handle time (talk + hold + ACW), seconds.
    fn aht(&self) -> f64 {
        self.talk_mean + self.hold_p * self.hold_mean + self.acw_mean
    }

    fn intraday(&self, hour: f64) -> f64 {
        self.base
            + self
                .bumps
                .iter()
                .map(|(mu, sd, a)| a * (-0.5 * ((hour - mu) / sd).powi(2)).exp())
                .sum::<f64>()
    }
}

/// An interval with at least one open minute.
#[derive(Debug, Clone)]
struct Slot {
    start: i64,
    /// Bit i: minute `start + 60 i` is open.
    mask: u64,
    /// Expected arrivals after forecast error, spikes and incidents.
    actual: f64,
    /// Agents on duty.
    staff: u32,
}

impl Slot {
    fn end(&self) -> i64 {
        self.start + 60 * (64 - i64::from(self.mask.leading_zeros()))
    }
}

/// Generation state of one queue.
pub struct QueueSim<'a> {
    pub queue: &'a opsdeck_core::Queue,
    qi: u16,
    prof: Profile,
    slots: Vec<Slot>,
    next: usize,
    rng: Rng,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
    off_duty: BTreeSet<u32>,
    last_free: Vec<i64>,
    n: u32,
    pending: Vec<Rec>,
    head: usize,
    sites: Vec<&'a str>,
    site_codes: Vec<String>,
}

/// Plan every queue of the org for the spec, in queue-id order (the index is the `qi`).
pub fn build<'a>(org: &'a Org, spec: &DemoSpec) -> Vec<QueueSim<'a>> {
    let mut sims = Vec::with_capacity(org.queues.len());
    // tickets of the service desk come from `cases`, not from this contact simulation
    let contact_queues = org
        .queues
        .values()
        .filter(|q| q.channel != opsdeck_core::Channel::Ticket);
    for (qi, queue) in contact_queues.enumerate() {
        let Ok(qi) = u16::try_from(qi) else { break };
        let prof = Profile::for_queue(&queue.id, queue.channel);
        let key = fnv1a(&queue.id);
        let slots = match org.calendars.get(&queue.calendar) {
            Some(cal) => {
                let industry = org
                    .clients
                    .get(&queue.client)
                    .map(|c| c.industry.as_str())
                    .unwrap_or("");
                plan(
                    queue,
                    cal,
                    &prof,
                    spec,
                    industry,
                    &mut Rng::stream(spec.seed, key, 1),
                )
            }
            None => Vec::new(),
        };
        let sites: Vec<&str> = match &queue.site {
            Some(s) => vec![s.as_str()],
            None => org
                .programs
                .get(&queue.program)
                .map(|p| p.sites.iter().map(String::as_str).collect())
                .unwrap_or_default(),
        };
        let site_codes = if sites.is_empty() {
            vec!["AG".to_string()]
        } else {
            sites.iter().map(|s| s.to_uppercase()).collect()
        };
        sims.push(QueueSim {
            queue,
            qi,
            prof,
            slots,
            next: 0,
            rng: Rng::stream(spec.seed, key, 2),
            heap: BinaryHeap::new(),
            off_duty: BTreeSet::new(),
            last_free: Vec::new(),
            n: 0,
            pending: Vec::new(),
            head: 0,
            sites,
            site_codes,
        });
    }
    sims
}

/// Black Friday and Cyber Monday (US retail peaks): (forecast factor, extra unforeseen factor).
fn retail_peak(date: NaiveDate) -> (f64, f64) {
    if date.month() != 11 && date.month() != 12 {
        return (1.0, 1.0);
    }
    let Some(thanksgiving) = NaiveDate::from_weekday_of_month_opt(date.year(), 11, Weekday::Thu, 4)
    else {
        return (1.0, 1.0);
    };
    let offset = (date - thanksgiving).num_days();
    match offset {
        1 => (1.6, 1.2),
        2 | 3 => (1.25, 1.1),
        4 => (1.5, 1.15),
        _ => (1.0, 1.0),
    }
}

/// Smallest N > A meeting the service-level target under Erlang C (B recursion); 0 for no load.
fn erlang_c_agents(a: f64, t_s: f64, aht: f64, target: f64) -> u32 {
    if a.is_nan() || a <= 0.0 || aht <= 0.0 {
        return 0;
    }
    let target = target.clamp(0.0, 0.99);
    let cap = a.ceil() + 10.0 * a.sqrt() + 50.0;
    let mut b = 1.0;
    let mut n = 0u32;
    loop {
        n += 1;
        let nf = f64::from(n);
        b = a * b / (nf + a * b);
        if nf > a {
            let c = nf * b / (nf - a * (1.0 - b));
            let sl = 1.0 - c * (-(nf - a) * t_s / aht).exp();
            if sl >= target || nf >= cap {
                return n;
            }
        }
    }
}

fn plan(
    queue: &opsdeck_core::Queue,
    cal: &Calendar,
    prof: &Profile,
    spec: &DemoSpec,
    industry: &str,
    rng: &mut Rng,
) -> Vec<Slot> {
    let zone = cal.zone;
    let len = queue.interval;
    let retail = industry.contains("retail") || industry.contains("commerce");
    let aht = prof.aht();
    let slope = rng.range(-0.04, 0.12);
    let mut cache = ZoneCache::new(zone);
    let mut slots = Vec::new();
    // (start, mask, weight) of the day's open intervals
    let mut day: Vec<(i64, u64, f64)> = Vec::with_capacity(48);
    for d in 0..spec.days {
        let Some(date) = spec.start.checked_add_days(Days::new(u64::from(d))) else {
            break;
        };
        let Some(next_date) = date.succ_opt() else {
            break;
        };
        // draw the day's randomness up front, open or not, so days stay independent of hours
        let noise = rng.lognormal_mean(1.0, 0.06);
        let spike = if rng.chance(0.03) {
            rng.range(1.2, 1.5)
        } else {
            1.0
        };
        let mut staffing = (1.0 + 0.05 * rng.normal() - 0.03).clamp(0.8, 1.1);
        if rng.chance(0.05) {
            staffing *= rng.range(0.68, 0.82);
        }
        let incident = prof.live && rng.chance(0.04);
        let incident_at = rng.uniform();
        let incident_len = 60 * (90 + rng.below(91) as i64);
        let incident_mult = rng.range(1.5, 2.2);

        if cal.holidays.contains_key(&date) {
            continue;
        }
        let mid = opsdeck_core::calendar::local_midnight_utc(zone, date);
        let next_mid = opsdeck_core::calendar::local_midnight_utc(zone, next_date);
        day.clear();
        let mut m = mid;
        while m < next_mid {
            let off = cache.offset_at(m);
            let local = DateTime::from_timestamp(m + off, 0).map(|t| t.naive_utc());
            if let Some(local) = local.filter(|l| cal.hours.is_open(*l)) {
                let ks = cache.interval_start(m, len);
                let bit = (m - ks) / 60;
                if (0..64).contains(&bit) {
                    if day.last().map(|s| s.0) != Some(ks) {
                        day.push((ks, 0, 0.0));
                    }
                    if let Some(s) = day.last_mut() {
                        s.1 |= 1u64 << bit;
                        let hour =
                            f64::from(chrono::Timelike::num_seconds_from_midnight(&local.time()))
                                / 3600.0
                                + 1.0 / 120.0;
                        s.2 += prof.intraday(hour);
                    }
                }
            }
            m += 60;
        }
        let total_w: f64 = day.iter().map(|s| s.2).sum();
        if day.is_empty() || total_w <= 0.0 {
            continue;
        }
        let wd = date.weekday().num_days_from_monday() as usize;
        let mut forecast_total =
            prof.daily * spec.scale * WEEKLY[wd] * (1.0 + slope * f64::from(d) / 91.0);
        let mut surprise = noise * spike;
        if date
            .pred_opt()
            .is_some_and(|p| cal.holidays.contains_key(&p))
        {
            forecast_total *= 1.15;
            surprise *= 1.05;
        }
        if retail {
            let (f, s) = retail_peak(date);
            forecast_total *= f;
            surprise *= s;
        }
        let open_s_day: f64 = day.iter().map(|s| 60.0 * f64::from(s.1.count_ones())).sum();
        let flat_staff = (forecast_total * aht / open_s_day / 0.92).ceil();
        let first = day.first().map(|s| s.0).unwrap_or(mid);
        let last = day.last().map(|s| s.0).unwrap_or(mid);
        let inc_start = first + ((last - first) as f64 * incident_at) as i64;
        for &(start, mask, w) in &day {
            let forecast = forecast_total * w / total_w;
            let mut actual = forecast * surprise * rng.lognormal_mean(1.0, 0.10);
            if incident && start >= inc_start && start < inc_start + incident_len {
                actual *= incident_mult;
            }
            let open_s = 60.0 * f64::from(mask.count_ones());
            let planned = if prof.live {
                let a = forecast * aht / open_s;
                let t = queue.thresholds.service_s as f64;
                f64::from(erlang_c_agents(a, t, aht, queue.sl_target)).max((a / 0.88).ceil())
            } else {
                flat_staff
            };
            let jitter = (1.0 + 0.06 * rng.normal()).clamp(0.8, 1.2);
            let staff = (planned * staffing * jitter).round().max(1.0);
            slots.push(Slot {
                start,
                mask,
                actual,
                staff: staff.min(f64::from(u32::MAX)) as u32,
            });
        }
    }
    slots
}

/// Position of the `r`-th set bit (0-based) of `mask`.
fn nth_set_bit(mut mask: u64, r: u32) -> u32 {
    for _ in 0..r {
        mask &= mask.wrapping_sub(1);
    }
    mask.trailing_zeros()
}

impl QueueSim<'_> {
    pub fn first_start(&self) -> Option<i64> {
        self.slots.first().map(|s| s.start)
    }

    pub fn has_more(&self) -> bool {
        self.next < self.slots.len()
    }

    /// Simulate every interval starting before `limit`.
    pub fn advance(&mut self, limit: i64) {
        while self.next < self.slots.len() && self.slots[self.next].start < limit {
            self.run_slot(self.next);
            self.next += 1;
        }
    }

    /// Move generated contacts that arrived before `limit` to `out` (they are in arrival order).
    pub fn take_before(&mut self, limit: i64, out: &mut Vec<Rec>) {
        let rest = &self.pending[self.head..];
        let k = rest.partition_point(|r| r.arrived < limit);
        out.extend_from_slice(&rest[..k]);
        self.head += k;
        if self.head == self.pending.len() {
            self.pending.clear();
            self.head = 0;
        } else if self.head > 4096 && self.head * 2 > self.pending.len() {
            self.pending.drain(..self.head);
            self.head = 0;
        }
    }

    pub fn push_agent_id(&self, line: &mut String, agent: u32) {
        let i = agent as usize % self.site_codes.len();
        let code = self.site_codes.get(i).map(String::as_str).unwrap_or("AG");
        let _ = write!(
            line,
            "{code}-{:02}-{:03}",
            u32::from(self.qi) + 1,
            u64::from(agent) + 1
        );
    }

    pub fn site_of(&self, r: &Rec) -> &str {
        match r.answered {
            Some(_) if !self.sites.is_empty() => self.sites[r.agent as usize % self.sites.len()],
            None if self.sites.len() == 1 => self.sites[0],
            _ => "",
        }
    }

    /// Put `n` agents on duty at `at`: new ones come from the off-duty pool (lowest id first);
    /// when fewer are needed, the agents busy longest leave after finishing their contact.
    fn set_staff(&mut self, at: i64, n: u32) {
        let n = n as usize;
        let cur = self.heap.len();
        if n > cur {
            for _ in cur..n {
                let id = match self.off_duty.pop_first() {
                    Some(id) => id,
                    None => {
                        self.last_free.push(at);
                        u32::try_from(self.last_free.len() - 1).unwrap_or(u32::MAX)
                    }
                };
                let free = self
                    .last_free
                    .get(id as usize)
                    .copied()
                    .unwrap_or(at)
                    .max(at);
                self.heap.push(Reverse((free, id)));
            }
        } else if n < cur {
            let mut v: Vec<(i64, u32)> = std::mem::take(&mut self.heap)
                .into_iter()
                .map(|r| r.0)
                .collect();
            v.sort_unstable();
            for (free, id) in v.drain(n..) {
                if let Some(slot) = self.last_free.get_mut(id as usize) {
                    *slot = free;
                }
                self.off_duty.insert(id);
            }
            self.heap = v.into_iter().map(Reverse).collect();
        }
    }

    /// First open instant at or after `t` (for deferred channels); `t` past the horizon.
    fn next_open(&self, t: i64) -> i64 {
        let j = self.slots.partition_point(|s| s.end() <= t);
        for s in &self.slots[j..] {
            if t < s.start {
                return s.start + 60 * i64::from(s.mask.trailing_zeros());
            }
            let idx = (t - s.start) / 60;
            if idx < 64 {
                if s.mask & (1u64 << idx) != 0 {
                    return t;
                }
                let above = if idx >= 63 { 0 } else { s.mask >> (idx + 1) };
                if above != 0 {
                    return s.start + 60 * (idx + 1 + i64::from(above.trailing_zeros()));
                }
            }
        }
        t
    }

    fn run_slot(&mut self, k: usize) {
        let Some(slot) = self.slots.get(k) else {
            return;
        };
        let (start, mask, actual, staff) = (slot.start, slot.mask, slot.actual, slot.staff);
        self.set_staff(start, staff);
        let count = self.rng.poisson(actual);
        let open = u64::from(mask.count_ones());
        let mut arrivals: Vec<i64> = (0..count)
            .map(|_| {
                let minute = nth_set_bit(mask, self.rng.below(open) as u32);
                start + 60 * i64::from(minute) + self.rng.below(60) as i64
            })
            .collect();
        arrivals.sort_unstable();
        for t in arrivals {
            self.serve(t);
        }
    }

    fn serve(&mut self, t: i64) {
        let p = &self.prof;
        let rng = &mut self.rng;
        let talk = rng
            .lognormal_mean(p.talk_mean, p.talk_sigma)
            .round()
            .max(10.0) as u32;
        let hold = if p.hold_p > 0.0 && rng.chance(p.hold_p) {
            rng.lognormal_mean(p.hold_mean, 0.7).round().max(5.0) as u32
        } else {
            0
        };
        let acw = rng.lognormal_mean(p.acw_mean, 0.45).round().max(5.0) as u32;
        let patience = 1 + if rng.chance(p.impatient_p) {
            rng.exponential(6.0)
        } else {
            rng.lognormal_mean(p.patience_mean, p.patience_sigma)
        } as i64;
        self.n = self.n.wrapping_add(1);
        let n = self.n;
        let mut rec = Rec {
            arrived: t,
            answered: None,
            ended: t + patience,
            talk: 0,
            hold: 0,
            acw: 0,
            agent: 0,
            csat: None,
            nps: None,
            fcr: false,
            transferred: false,
            qi: self.qi,
            n,
        };
        let Some(&Reverse((free, agent))) = self.heap.peek() else {
            self.pending.push(rec);
            return;
        };
        let mut start = free.max(t);
        if !p.live {
            start = self.next_open(start);
        }
        let wait = start - t;
        if wait > patience {
            self.pending.push(rec);
            return;
        }
        self.heap.pop();
        self.heap
            .push(Reverse((start + i64::from(talk + hold + acw), agent)));

        let p = &self.prof;
        let rng = &mut self.rng;
        let transferred = rng.chance(p.transfer_p);
        let fcr = rng.chance(if transferred { p.fcr_p * 0.55 } else { p.fcr_p });
        // long waits relative to the queue's answer threshold cost satisfaction
        let pain = wait as f64 / (self.queue.thresholds.service_s.max(20) as f64);
        let csat = rng.chance(CSAT_SHARE).then(|| {
            let mut s = rng.weighted(&[0.04, 0.06, 0.12, 0.33, 0.45]) as i32 + 1;
            if pain > 3.0 && rng.chance(0.6) {
                s -= 1;
            }
            if pain > 9.0 && rng.chance(0.6) {
                s -= 1;
            }
            if !fcr && rng.chance(0.5) {
                s -= 1;
            }
            s.clamp(1, 5) as u8
        });
        let nps = rng.chance(NPS_SHARE).then(|| {
            let w = [2.0, 1.0, 1.0, 1.5, 2.0, 4.0, 5.0, 9.0, 16.0, 22.0, 36.0];
            let mut s = rng.weighted(&w) as i32;
            if pain > 3.0 && rng.chance(0.5) {
                s -= 2;
            }
            if !fcr && rng.chance(0.5) {
                s -= 2;
            }
            s.clamp(0, 10) as u8
        });
        rec.answered = Some(start);
        rec.ended = start + i64::from(talk + hold);
        rec.talk = talk;
        rec.hold = hold;
        rec.acw = acw;
        rec.agent = agent;
        rec.csat = csat;
        rec.nps = nps;
        rec.fcr = fcr;
        rec.transferred = transferred;
        self.pending.push(rec);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_agents_matches_known_values() {
        // rows of shared/peers/oracles/erlang_1000.csv (pyworkforce, service-level-only positions)
        assert_eq!(
            erlang_c_agents(140.0 * 180.0 / 1800.0, 20.0, 180.0, 0.8),
            18
        );
        assert_eq!(erlang_c_agents(51.0 * 600.0 / 1800.0, 20.0, 600.0, 0.8), 22);
        assert_eq!(erlang_c_agents(15.0 * 300.0 / 1800.0, 20.0, 300.0, 0.8), 5);
        assert_eq!(erlang_c_agents(0.0, 20.0, 180.0, 0.8), 0);
        assert!(erlang_c_agents(0.3, 20.0, 300.0, 1.0) >= 1);
    }

    #[test]
    fn nth_set_bit_finds_positions() {
        assert_eq!(nth_set_bit(0b1011_0000, 0), 4);
        assert_eq!(nth_set_bit(0b1011_0000, 2), 7);
    }

    #[test]
    fn retail_peaks_fall_after_thanksgiving_2025() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap_or_default();
        assert!(retail_peak(d("2025-11-28")).0 > 1.0); // Black Friday
        assert!(retail_peak(d("2025-12-01")).0 > 1.0); // Cyber Monday
        assert_eq!(retail_peak(d("2025-11-27")), (1.0, 1.0));
    }
}
