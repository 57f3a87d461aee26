//! Checking passwords under a budget. Each argon2id check fills 19 MiB and takes tens of
//! milliseconds of CPU, so an anonymous flood of logins could otherwise start hundreds of
//! them at once: the blocking pool grows a thread per request, glibc keeps the freed arenas,
//! and the process ends at gigabytes. Here `workers` threads of their own do the checks, each
//! reusing one block buffer; at most `queue` more checks wait, anything beyond is refused at
//! once (the caller answers 503). The threads run at a lower CPU priority (nice 10 on Linux):
//! during a flood, the webhook and the pages get the cores first.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

/// A stored hash asking for more memory than this (1 GiB) is not checked at all: it is not
/// one of ours, and checking it would defeat the budget.
const MAX_BLOCKS: usize = 1024 * 1024;

/// Too many checks are running or waiting; try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

pub struct PasswordWork {
    admitted: Arc<AtomicUsize>,
    capacity: usize,
    /// Dropping it (with the last `PasswordWork`) ends the threads.
    jobs: Mutex<mpsc::Sender<Job>>,
}

struct Job {
    password: String,
    phc: String,
    answer: oneshot::Sender<bool>,
    /// Held until the check really ends, also when the request that asked has gone.
    ticket: Ticket,
}

/// A place among the admitted checks, given back when dropped.
pub struct Ticket {
    admitted: Arc<AtomicUsize>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

impl PasswordWork {
    /// `workers` 0 means half the cores (at least one): argon2 is pure CPU, and the other
    /// half keeps answering webhooks while a flood of logins is being checked.
    pub fn new(workers: usize, queue: usize) -> PasswordWork {
        let workers = if workers == 0 {
            std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
        } else {
            workers
        };
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("password-{i}"))
                .spawn(move || hashing_thread(&rx))
                .expect("spawn a password-hashing thread");
        }
        PasswordWork {
            admitted: Arc::new(AtomicUsize::new(0)),
            capacity: workers + queue,
            jobs: Mutex::new(tx),
        }
    }

    /// A place in line, or `Busy` when the line is full. Synchronous, so a refusal costs
    /// nothing and the count cannot be raced past.
    pub fn admit(&self) -> Result<Ticket, Busy> {
        let before = self.admitted.fetch_add(1, Ordering::AcqRel);
        let ticket = Ticket {
            admitted: self.admitted.clone(),
        };
        if before >= self.capacity {
            return Err(Busy);
        }
        Ok(ticket)
    }

    /// Checks `password` against a stored PHC string (for an unknown name the caller passes
    /// a hash nobody has, so the answer costs the same time).
    pub async fn verify(&self, password: String, phc: String) -> Result<bool, Busy> {
        let ticket = self.admit()?;
        let (answer, verdict) = oneshot::channel();
        let job = Job {
            password,
            phc,
            answer,
            ticket,
        };
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job);
        if sent.is_err() {
            return Err(Busy);
        }
        Ok(verdict.await.unwrap_or(false))
    }
}

/// One hashing thread: lowers its own priority, then checks jobs with one reused buffer
/// until the `PasswordWork` is dropped.
fn hashing_thread(jobs: &Mutex<mpsc::Receiver<Job>>) {
    lower_priority();
    let mut memory = Vec::new();
    loop {
        let job = match jobs.lock().unwrap_or_else(|p| p.into_inner()).recv() {
            Ok(job) => job,
            Err(mpsc::RecvError) => return,
        };
        let Job {
            password,
            phc,
            answer,
            ticket,
        } = job;
        let ok = verify_with(&mut memory, password.as_bytes(), &phc);
        // The place is free before the caller hears the verdict, so its next check fits.
        drop(ticket);
        let _ = answer.send(ok);
    }
}

/// On Linux a thread's niceness is its own (PRIO_PROCESS with a thread id). Best effort: a
/// thread that cannot be reniced still works, only at normal priority.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        /// How much nicer than the rest of the process the hashing threads are.
        const NICENESS: i32 = 10;
        let me = rustix::thread::gettid();
        let _ = rustix::process::setpriority_process(Some(me), NICENESS);
    }
}

/// argon2 verification into caller-owned memory, grown to the largest hash seen so far.
/// The only password verification in the crate; same result as argon2's own
/// `verify_password`, and the comparison is constant-time.
pub fn verify_with(memory: &mut Vec<Block>, password: &[u8], phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) =
        (Algorithm::try_from(hash.algorithm), Params::try_from(&hash))
    else {
        return false;
    };
    let version = match hash.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let blocks = params.block_count();
    if blocks > MAX_BLOCKS {
        return false;
    }
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt, &mut out, &mut memory[..blocks])
        .is_ok()
        && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, SaltString};

    fn cheap_hash(password: &str, m_cost: u32) -> String {
        let params = Params::new(m_cost, 1, 1, None).unwrap();
        let salt = SaltString::encode_b64(b"sal-de-prueba-16").unwrap();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(password.as_bytes(), &salt)
            .unwrap()
            .to_string()
    }

    #[test]
    fn reused_memory_verifies_like_argon2() {
        let mut memory = Vec::new();
        let small = cheap_hash("caballo correcto", 64);
        let large = cheap_hash("otra frase larga", 256);
        assert!(verify_with(&mut memory, b"caballo correcto", &small));
        assert!(!verify_with(&mut memory, b"caballo incorrecto", &small));
        assert!(verify_with(&mut memory, b"otra frase larga", &large));
        assert_eq!(memory.len(), 256, "grown once to the larger hash");
        // A buffer dirty from a larger hash still gives the right answer for a smaller one.
        assert!(verify_with(&mut memory, b"caballo correcto", &small));
        assert!(!verify_with(&mut memory, b"x", "no es un hash"));
        let argon2i = small.replace("$argon2id$", "$argon2i$");
        assert!(!verify_with(&mut memory, b"caballo correcto", &argon2i));
    }

    #[test]
    fn admission_is_bounded() {
        let work = PasswordWork::new(1, 1);
        let first = work.admit().expect("running");
        let second = work.admit().expect("waiting");
        assert_eq!(work.admit().err(), Some(Busy));
        assert_eq!(work.admit().err(), Some(Busy), "a refusal takes no place");
        drop(first);
        let third = work.admit().expect("a place came free");
        drop((second, third));
    }

    /// The hashing threads yield the CPU to the webhook: nice 10, seen in /proc.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_threads_run_at_a_lower_priority() {
        let work = PasswordWork::new(1, 0);
        let hash = cheap_hash("caballo correcto", 8);
        assert_eq!(work.verify("x".into(), hash).await, Ok(false));
        let niceness: Vec<i64> = std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|t| {
                let dir = t.ok()?.path();
                let comm = std::fs::read_to_string(dir.join("comm")).ok()?;
                (comm.trim() == "password-0").then_some(())?;
                let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
                // Field 19 (nice); the command name in parentheses may hold spaces.
                let after = &stat[stat.rfind(')')? + 2..];
                after.split(' ').nth(16)?.parse().ok()
            })
            .collect();
        assert!(!niceness.is_empty(), "a password-0 thread exists");
        assert!(niceness.iter().all(|n| *n == 10), "{niceness:?}");
    }

    #[tokio::test]
    async fn verify_runs_and_releases_its_place() {
        let work = PasswordWork::new(1, 0);
        let hash = cheap_hash("caballo correcto", 64);
        assert_eq!(
            work.verify("caballo correcto".into(), hash.clone()).await,
            Ok(true)
        );
        assert_eq!(work.verify("no".into(), hash).await, Ok(false));
        assert!(work.admit().is_ok(), "both checks gave their place back");
    }
}
