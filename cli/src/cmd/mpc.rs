//! `conclave mpc …`: keys, party configs, running jobs as one party over TLS, client
//! input shares, a local multi-process demo and benchmarks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use conclave_mpc::config::{
    signing_key_from_json, signing_key_to_json, PartyConfig, PartyInfo, TlsIdentity,
};
use conclave_mpc::ed25519_dalek::SigningKey;
use conclave_mpc::jobs::{self, ClientShares, Job, JobFile, JobInput, PrivateSink, Signer};
use conclave_mpc::record::ResultRecord;
use conclave_mpc::{Engine, Params, PartyId};
use rand::rngs::OsRng;
use serde_json::{json, Value};

use crate::fsio;
use crate::output::{millis, Output, Verdict};

/// Secret-sharing MPC commands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Generate a party's TLS key + certificate and Ed25519 signing key (secret files 0600).
    Keygen {
        /// The party id (1-based).
        #[arg(long)]
        party: u32,
        /// Directory to write tls.key, tls.crt, signing.key, signing.pub into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a local (loopback) party config, generating missing keys in <keys-dir>/p<i>/.
    Config {
        /// Number of parties (at least 3).
        #[arg(long)]
        parties: u32,
        /// Party i listens on 127.0.0.1:(base-port + i − 1).
        #[arg(long, default_value_t = 7801)]
        base_port: u16,
        /// The config file to write.
        #[arg(long)]
        out: PathBuf,
        /// Where the parties' key directories p1/, p2/, … live (default: beside --out).
        #[arg(long)]
        keys_dir: Option<PathBuf>,
        /// Seconds to wait for every connection.
        #[arg(long, default_value_t = 30)]
        connect_timeout: u64,
        /// Seconds to wait for a peer in one round.
        #[arg(long, default_value_t = 60)]
        round_timeout: u64,
    },
    /// Run a job as one party: connect to the others over TLS, compute, sign the result.
    Run {
        /// The parties config.
        #[arg(long)]
        config: PathBuf,
        /// This party's id.
        #[arg(long)]
        party: u32,
        /// The job file (stats.toml, score.toml, join-stats.toml or bench.toml; with
        /// `join = "<id column>"` the job runs over a private join of every party's CSV).
        #[arg(long)]
        job: PathBuf,
        /// This party's private input (CSV).
        #[arg(long)]
        input: Option<PathBuf>,
        /// Client-input share file dealt to this party by `conclave mpc share`.
        #[arg(long)]
        shares: Option<PathBuf>,
        /// This party's key directory (default: p<party>/ beside the config).
        #[arg(long)]
        keys: Option<PathBuf>,
        /// Where to write the signed result record (JSON).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Client input: split values into one share file per party (secret files 0600).
    Share {
        /// The parties config (for the number of parties).
        #[arg(long)]
        config: PathBuf,
        /// A value to share (repeat for several), or `-` to read values from standard
        /// input, one per line (keeps them out of the process list).
        #[arg(
            long = "value",
            required_unless_present = "value_file",
            conflicts_with = "value_file",
            allow_hyphen_values = true
        )]
        values: Vec<String>,
        /// Read the values to share from this file, one per line.
        #[arg(long)]
        value_file: Option<PathBuf>,
        /// Directory for share-p<i>.json files.
        #[arg(long, default_value = "shares")]
        out: PathBuf,
    },
    /// Spawn the parties as processes on loopback and run the stats and score jobs, and
    /// (3 parties) join-stats over a private join of the example customer lists.
    Demo {
        /// Number of parties.
        #[arg(long, default_value_t = 3)]
        parties: u32,
        /// Values per party.
        #[arg(long, default_value_t = 1000)]
        values: usize,
    },
    /// Benchmark over real processes on loopback with TLS (figures for docs/benchmarks).
    Bench {
        /// Number of parties.
        #[arg(long, default_value_t = 3)]
        parties: u32,
        /// Multiplications in one batch.
        #[arg(long, default_value_t = 1_000_000)]
        multiplications: usize,
        /// Comparisons in one batch.
        #[arg(long, default_value_t = 100_000)]
        comparisons: usize,
        /// Values per party for the stats job.
        #[arg(long, default_value_t = 10_000)]
        stats_values: usize,
    },
}

/// Runs an `mpc` command.
pub fn run(command: Command, out: &Output) -> anyhow::Result<Verdict> {
    match command {
        Command::Keygen { party, out: dir } => {
            keygen(PartyId(party), &dir, out.writes())?;
            out.report(
                &format!(
                    "party {party}: keys written to {} (tls.key and signing.key are 0600)",
                    dir.display()
                ),
                json!({ "ok": true, "party": party, "dir": dir.display().to_string() }),
            )?;
            Ok(Verdict::Success)
        }
        Command::Config {
            parties,
            base_port,
            out: path,
            keys_dir,
            connect_timeout,
            round_timeout,
        } => {
            let keys_dir = keys_dir.unwrap_or_else(|| parent(&path));
            let (config, generated) = local_config(
                parties,
                base_port,
                &keys_dir,
                Duration::from_secs(connect_timeout),
                Duration::from_secs(round_timeout),
            )?;
            out.writes()
                .write_public(&path, config.to_toml()?.as_bytes())?;
            out.report(
                &format!(
                    "wrote {} for {parties} parties on 127.0.0.1:{base_port}..; keys in {} (generated for parties {generated:?})",
                    path.display(),
                    keys_dir.display()
                ),
                json!({ "ok": true, "config": path.display().to_string(), "generated_keys": generated }),
            )?;
            Ok(Verdict::Success)
        }
        Command::Run {
            config,
            party,
            job,
            input,
            shares,
            keys,
            out: result_path,
        } => run_party(
            out,
            &config,
            PartyId(party),
            &job,
            input.as_deref(),
            shares.as_deref(),
            keys,
            result_path,
        ),
        Command::Share {
            config: config_path,
            values,
            value_file,
            out: dir,
        } => {
            let config = load_config(&config_path)?;
            let params = Params::honest_majority(config.n())?;
            let paths: Vec<PathBuf> = (1..=config.n())
                .map(|i| dir.join(format!("share-p{i}.json")))
                .collect();
            let read_files: Vec<&Path> = std::iter::once(config_path.as_path())
                .chain(value_file.as_deref())
                .collect();
            let plan = out.writes().plan(
                &read_files,
                &paths.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
            )?;
            let values = secret_values(values, value_file.clone())?;
            let files = ClientShares::deal(params, &values, &mut OsRng);
            let mut written = Vec::new();
            for (path, text) in paths.iter().zip(&files) {
                plan.write_secret(path, text.as_bytes())?;
                written.push(path.display().to_string());
            }
            out.report(
                &format!(
                    "shared {} value(s) among {} parties; send each file to its party: {}",
                    values.len(),
                    config.n(),
                    written.join(", ")
                ),
                json!({ "ok": true, "files": written }),
            )?;
            Ok(Verdict::Success)
        }
        Command::Demo { parties, values } => {
            let temp = tempfile::Builder::new()
                .prefix("conclave-mpc-demo-")
                .tempdir()?;
            let summary = demo(temp.path(), parties, values, &mut |line, took| {
                out.say(&format!("  {line:<64} {:>10.1} ms", millis(took)))
            })?;
            out.report(
                "MPC demo finished: results equal the plaintext computation.",
                summary,
            )?;
            Ok(Verdict::Success)
        }
        Command::Bench {
            parties,
            multiplications,
            comparisons,
            stats_values,
        } => {
            let sizes = BenchSizes {
                multiplications,
                comparisons,
                stats_values,
            };
            let (result, took) = out.step("benchmarking over TLS on loopback", || {
                bench_processes(parties, &sizes, &[])
            });
            let outputs = result?;
            out.report(
                &format!(
                    "{parties} parties, TLS on loopback ({:.1} s in all)\n{}",
                    took.as_secs_f64(),
                    serde_json::to_string_pretty(&outputs)?
                ),
                json!({ "ok": true, "bench": outputs }),
            )?;
            Ok(Verdict::Success)
        }
    }
}

/// The values of `mpc share`: `--value` words, or `--value -` / `--value-file` read so
/// that they stay out of the process list. Messages never echo a value.
fn secret_values(words: Vec<String>, file: Option<PathBuf>) -> anyhow::Result<Vec<i64>> {
    if file.is_some() || words.iter().any(|w| w == "-") {
        anyhow::ensure!(
            words.len() <= 1,
            "--value - reads every value from standard input: give no other --value"
        );
        let word = words.into_iter().next();
        return fsio::SecretSource::from_options(word, file)?.read_i64_list();
    }
    words
        .iter()
        .enumerate()
        .map(|(i, word)| {
            word.parse::<i64>().map_err(|_| {
                anyhow::anyhow!("--value number {} is not a signed 64-bit integer", i + 1)
            })
        })
        .collect()
}

fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn keygen(party: PartyId, dir: &Path, writes: fsio::WritePolicy) -> anyhow::Result<()> {
    anyhow::ensure!(party.0 >= 1, "--party must be at least 1");
    let files = ["tls.key", "tls.crt", "signing.key", "signing.pub"].map(|name| dir.join(name));
    let plan = writes.plan(&[], &files.each_ref().map(PathBuf::as_path))?;
    let tls = TlsIdentity::generate(party)?;
    let signing = SigningKey::generate(&mut OsRng);
    plan.write_secret(&files[0], tls.key_pem().as_bytes())?;
    plan.write_public(&files[1], tls.certificate_pem.as_bytes())?;
    plan.write_secret(&files[2], signing_key_to_json(party, &signing).as_bytes())?;
    let public: String = signing
        .verifying_key()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    plan.write_public(&files[3], format!("{public}\n").as_bytes())?;
    Ok(())
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    String::from_utf8(fsio::read(path, fsio::Limit::MPC_TEXT)?)
        .with_context(|| format!("{}: not UTF-8 text", path.display()))
}

fn local_config(
    parties: u32,
    base_port: u16,
    keys_dir: &Path,
    connect: Duration,
    round: Duration,
) -> anyhow::Result<(PartyConfig, Vec<u32>)> {
    Params::honest_majority(parties as usize)?;
    let mut infos = Vec::new();
    let mut generated = Vec::new();
    for i in 1..=parties {
        let dir = keys_dir.join(format!("p{i}"));
        if !dir.join("tls.crt").exists() || !dir.join("signing.key").exists() {
            keygen(PartyId(i), &dir, fsio::WritePolicy::NO_OVERWRITE)?;
            generated.push(i);
        }
        let pem = read_text(&dir.join("tls.crt"))?;
        let key_path = dir.join("signing.key");
        fsio::check_secret_permissions(&key_path)?;
        let (_, signing) =
            signing_key_from_json(&read_text(&key_path)?, &key_path.display().to_string())?;
        let port = u32::from(base_port) + i - 1;
        anyhow::ensure!(
            port <= 65535,
            "base port {base_port} leaves no room for {parties} parties"
        );
        infos.push((i, format!("127.0.0.1:{port}"), pem, signing.verifying_key()));
    }
    let parties = infos
        .into_iter()
        .map(|(i, address, pem, verifying_key)| {
            let certificate = parse_cert(&pem)?;
            Ok(PartyInfo {
                id: PartyId(i),
                address,
                certificate_pem: pem,
                certificate,
                verifying_key,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((PartyConfig::new(parties, connect, round)?, generated))
}

fn parse_cert(pem: &str) -> anyhow::Result<conclave_mpc::config::CertificateDer<'static>> {
    Ok(conclave_mpc::config::certificate_from_pem(pem)?)
}

fn load_config(path: &Path) -> anyhow::Result<PartyConfig> {
    let text = read_text(path)?;
    Ok(PartyConfig::from_toml(&text, &path.display().to_string())?)
}

#[allow(clippy::too_many_arguments)]
fn run_party(
    out: &Output,
    config_path: &Path,
    me: PartyId,
    job_path: &Path,
    input: Option<&Path>,
    shares: Option<&Path>,
    keys: Option<PathBuf>,
    result_path: Option<PathBuf>,
) -> anyhow::Result<Verdict> {
    let config = load_config(config_path)?;
    config
        .party(me)
        .with_context(|| format!("{}: --party {} is not listed", config_path.display(), me.0))?;
    let job = JobFile::from_toml(&read_text(job_path)?, &job_path.display().to_string())?;
    let input_path = input;
    let input = match input {
        Some(path) => JobInput::parse_csv(&job, &read_text(path)?, &path.display().to_string())?,
        None => JobInput::absent(&job, shares.is_some())?,
    };
    // Everything this party can check alone is checked before any socket is opened.
    let sink = match result_path {
        Some(_) => PrivateSink::Caller,
        None => PrivateSink::Nowhere,
    };
    job.validate(config.n(), me, &input, sink)
        .with_context(|| {
            format!(
                "party {}: job {} does not fit {} and this party's input",
                me.0,
                job_path.display(),
                config_path.display()
            )
        })?;
    let keys = keys.unwrap_or_else(|| parent(config_path).join(format!("p{}", me.0)));
    let key_path = keys.join("tls.key");
    let cert_path = keys.join("tls.crt");
    let signing_path = keys.join("signing.key");
    // The result and private files are checked now, not after the computation: an
    // existing file (without --force) or one of this party's inputs is refused up front.
    let private_path = result_path
        .as_ref()
        .filter(|_| job.job.has_record())
        .map(|path| path.with_extension("private.json"));
    let read_files: Vec<&Path> = [config_path, job_path, &key_path, &cert_path, &signing_path]
        .into_iter()
        .chain(input_path)
        .chain(shares)
        .collect();
    let written_files: Vec<&Path> = result_path
        .iter()
        .chain(private_path.iter())
        .map(PathBuf::as_path)
        .collect();
    let plan = out.writes().plan(&read_files, &written_files)?;
    let client = match shares {
        Some(path) => {
            fsio::check_secret_permissions(path)?;
            ClientShares::from_json(
                &read_text(path)?,
                me,
                config.n(),
                &path.display().to_string(),
            )?
        }
        None => ClientShares::none(),
    };
    fsio::check_secret_permissions(&key_path)?;
    let identity = TlsIdentity::from_pem(read_text(&cert_path)?, read_text(&key_path)?);
    fsio::check_secret_permissions(&signing_path)?;
    let (key_party, signing) = signing_key_from_json(
        &read_text(&signing_path)?,
        &signing_path.display().to_string(),
    )?;
    anyhow::ensure!(
        key_party == me,
        "{}: this signing key belongs to party {}, not party {}",
        signing_path.display(),
        key_party.0,
        me.0
    );
    anyhow::ensure!(
        config.party(me)?.verifying_key == signing.verifying_key(),
        "{}: this signing key is not the one listed for party {} in {}",
        signing_path.display(),
        me.0,
        config_path.display()
    );
    let signer = Signer {
        key: &signing,
        parties: config.parties.iter().map(|p| p.verifying_key).collect(),
    };
    let started = Instant::now();
    let transport = conclave_mpc::net::connect(&config, me, &identity)
        .with_context(|| format!("party {}: connecting to the other parties", me.0))?;
    let mut engine = Engine::new(transport, &mut OsRng)?;
    let outcome = match jobs::run(&mut engine, &job, &input, &client, &signer, &mut OsRng) {
        Ok(outcome) => outcome,
        Err(error) => {
            engine.abort(&error);
            drop(engine);
            return Err(anyhow::Error::new(error).context(format!(
                "party {}: job {} failed",
                me.0,
                job.job.name()
            )));
        }
    };
    let traffic = engine.traffic();
    drop(engine);
    let elapsed = started.elapsed();
    if let (Some(path), Some(record)) = (&result_path, &outcome.record) {
        plan.write_public(
            path,
            format!("{}\n", serde_json::to_string_pretty(record)?).as_bytes(),
        )?;
    }
    // What only this party holds (its input salt, the lender's decisions) goes to a 0600
    // file and never to stdout, `--json` included.
    if let Some(path) = &private_path {
        plan.write_secret(path, outcome.private.to_json().as_bytes())?;
    }
    let private_note = match &private_path {
        Some(p) if outcome.private.has_decisions() => format!(
            "\nprivate outputs (decisions only this party learned, input salt) written to {} (0600)",
            p.display()
        ),
        Some(p) => format!("\ninput salt written to {} (0600)", p.display()),
        None if job.job.has_record() => {
            "\ninput salt not kept (no --out): the input commitment cannot be opened later"
                .to_string()
        }
        None => String::new(),
    };
    let human = format!(
        "party {}: {} job done in {:.1} ms ({} rounds, {} bytes sent)\n{}{private_note}",
        me.0,
        job.job.name(),
        millis(elapsed),
        traffic.rounds,
        traffic.bytes_sent,
        serde_json::to_string_pretty(&outcome.outputs)?,
    );
    out.report(
        &human,
        json!({
            "ok": true,
            "party": me.0,
            "outputs": outcome.outputs,
            "record": outcome.record,
            "private_file": private_path.map(|p| p.display().to_string()),
            "ms": millis(elapsed),
            "rounds": traffic.rounds,
            "bytes_sent": traffic.bytes_sent,
        }),
    )?;
    Ok(Verdict::Success)
}

/// Picks `n` free loopback ports (bind to port 0, read, release).
fn free_base_port(n: u32) -> anyhow::Result<u16> {
    for _ in 0..50 {
        let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
        let base = probe.local_addr()?.port();
        drop(probe);
        if u32::from(base) + n > 65535 {
            continue;
        }
        let all_free =
            (0..n).all(|i| std::net::TcpListener::bind(("127.0.0.1", base + i as u16)).is_ok());
        if all_free {
            return Ok(base);
        }
    }
    bail!("could not find {n} free consecutive loopback ports")
}

/// Keys and a loopback config in `dir`; returns the config path and the config.
fn setup(dir: &Path, parties: u32) -> anyhow::Result<(PathBuf, PartyConfig)> {
    let base = free_base_port(parties)?;
    let (config, _) = local_config(
        parties,
        base,
        dir,
        Duration::from_secs(20),
        Duration::from_secs(60),
    )?;
    let path = dir.join("parties.toml");
    fsio::WritePolicy::NO_OVERWRITE.write_public(&path, config.to_toml()?.as_bytes())?;
    Ok((path, config))
}

/// Sizes of the `bench` job.
pub(crate) struct BenchSizes {
    /// Multiplications in one batch.
    pub multiplications: usize,
    /// Comparisons in one batch.
    pub comparisons: usize,
    /// Values per party for the stats job.
    pub stats_values: usize,
}

/// Runs the `bench` job with `parties` processes of this binary over TLS on loopback, in
/// a temporary folder, each started through `launcher` when it is not empty (e.g.
/// `ip netns exec NAME`); returns party 1's bench outputs.
pub(crate) fn bench_processes(
    parties: u32,
    sizes: &BenchSizes,
    launcher: &[String],
) -> anyhow::Result<Value> {
    let temp = tempfile::Builder::new()
        .prefix("conclave-mpc-bench-")
        .tempdir()?;
    let dir = temp.path();
    let (config_path, _) = setup(dir, parties)?;
    let job_path = dir.join("bench.toml");
    let BenchSizes {
        multiplications,
        comparisons,
        stats_values,
    } = sizes;
    fsio::WritePolicy::NO_OVERWRITE.write_public(
        &job_path,
        format!(
            "version = 1\njob = \"bench\"\ndescription = \"benchmark\"\n[bench]\nmultiplications = {multiplications}\ncomparisons = {comparisons}\ncomparison_bits = 32\nstats_values = {stats_values}\nlatency_samples = 20\n"
        )
        .as_bytes(),
    )?;
    let reports = run_processes(
        dir,
        &config_path,
        parties,
        &job_path,
        &|_| None,
        launcher,
        Duration::from_secs(1800),
    )?;
    reports
        .into_iter()
        .next()
        .and_then(|report| report.get("outputs").cloned())
        .context("party 1 reported no bench outputs")
}

/// Runs `conclave --json mpc run` for every party as a child process and collects each
/// party's JSON report; fails (killing the rest) when any party fails or the deadline passes.
fn run_processes(
    dir: &Path,
    config_path: &Path,
    parties: u32,
    job_path: &Path,
    input_for: &dyn Fn(u32) -> Option<PathBuf>,
    launcher: &[String],
    deadline: Duration,
) -> anyhow::Result<Vec<Value>> {
    let exe = std::env::current_exe().context("cannot locate the conclave executable")?;
    let mut children: Vec<(u32, Child)> = Vec::new();
    for i in 1..=parties {
        let mut cmd = match launcher.split_first() {
            Some((program, args)) => {
                let mut cmd = Process::new(program);
                cmd.args(args).arg(&exe);
                cmd
            }
            None => Process::new(&exe),
        };
        cmd.args(["--json", "--force"])
            .args(["mpc", "run", "--party", &i.to_string()])
            .arg("--config")
            .arg(config_path)
            .arg("--job")
            .arg(job_path)
            .arg("--out")
            .arg(dir.join(format!("result-p{i}.json")))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(input) = input_for(i) {
            cmd.arg("--input").arg(input);
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start party {i}"))?;
        children.push((i, child));
    }
    let start = Instant::now();
    let mut reports: Vec<Option<Value>> = vec![None; parties as usize];
    let mut failure: Option<String> = None;
    while reports.iter().any(Option::is_none) && failure.is_none() {
        if start.elapsed() > deadline {
            failure = Some(format!(
                "parties did not finish within {} s",
                deadline.as_secs()
            ));
            break;
        }
        for (i, child) in children.iter_mut() {
            if reports[*i as usize - 1].is_some() {
                continue;
            }
            if let Some(status) = child.try_wait()? {
                let mut stdout = String::new();
                let mut stderr = String::new();
                if let Some(mut s) = child.stdout.take() {
                    std::io::Read::read_to_string(&mut s, &mut stdout)?;
                }
                if let Some(mut s) = child.stderr.take() {
                    std::io::Read::read_to_string(&mut s, &mut stderr)?;
                }
                if !status.success() {
                    failure = Some(format!("party {i} failed ({status}): {}", stderr.trim()));
                    break;
                }
                let value: Value = serde_json::from_str(stdout.trim())
                    .with_context(|| format!("party {i} printed no JSON report"))?;
                reports[*i as usize - 1] = Some(value);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if let Some(failure) = failure {
        for (_, child) in children.iter_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
        bail!(failure);
    }
    Ok(reports.into_iter().flatten().collect())
}

/// Deterministic demo data: `count` credit scores per bank in [300, 850].
fn bank_scores(bank: u32, count: usize) -> Vec<i64> {
    let mut state = u64::from(bank).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            300 + (state % 551) as i64
        })
        .collect()
}

/// The demo: stats over every bank's scores, a vertically partitioned credit score and
/// (3 parties) `join-stats` over a private join of partly overlapping customer lists;
/// checks the results against the plaintext computation. Returns a JSON summary.
pub(crate) fn demo(
    dir: &Path,
    parties: u32,
    values: usize,
    tell: &mut dyn FnMut(&str, Duration) -> anyhow::Result<()>,
) -> anyhow::Result<Value> {
    let t = Instant::now();
    let (config_path, _) = setup(dir, parties)?;
    tell(
        &format!("{parties} banks: TLS certificates, signing keys, config"),
        t.elapsed(),
    )?;

    // Stats over all banks' scores.
    let mut all = Vec::new();
    for i in 1..=parties {
        let scores = bank_scores(i, values);
        all.extend_from_slice(&scores);
        let csv: String = std::iter::once("value".to_string())
            .chain(scores.iter().map(i64::to_string))
            .collect::<Vec<_>>()
            .join("\n");
        fsio::WritePolicy::NO_OVERWRITE
            .write_public(&dir.join(format!("bank{i}.csv")), csv.as_bytes())?;
    }
    let stats_job = dir.join("stats.toml");
    fsio::WritePolicy::NO_OVERWRITE.write_public(
        &stats_job,
        b"version = 1\njob = \"stats\"\ndescription = \"credit scores across banks\"\n[stats]\nbits = 32\nthreshold = 650\n",
    )?;
    let t = Instant::now();
    let reports = run_processes(
        dir,
        &config_path,
        parties,
        &stats_job,
        &|i| Some(dir.join(format!("bank{i}.csv"))),
        &[],
        Duration::from_secs(300),
    )?;
    let outputs = reports
        .first()
        .and_then(|r| r.get("outputs"))
        .cloned()
        .context("no stats outputs")?;
    let expected_sum: i64 = all.iter().sum();
    let expected_above = all.iter().filter(|v| **v >= 650).count();
    let (Some(&min), Some(&max)) = (all.iter().min(), all.iter().max()) else {
        bail!("the demo needs at least one value per bank (--values)");
    };
    anyhow::ensure!(
        outputs["sum"] == json!(expected_sum.to_string())
            && outputs["count_at_or_above_threshold"] == json!(expected_above.to_string())
            && outputs["min"] == json!(min.to_string())
            && outputs["max"] == json!(max.to_string()),
        "MPC stats differ from the plaintext computation: {outputs}"
    );
    let record_path = dir.join("result-p1.json");
    let record = ResultRecord::from_json(&read_text(&record_path)?)?;
    record.verify()?;
    tell(
        &format!(
            "stats over {} scores: mean {:.1}, {} ≥ 650, signed by all",
            all.len(),
            outputs["mean"].as_f64().unwrap_or(0.0),
            expected_above
        ),
        t.elapsed(),
    )?;

    // Vertically partitioned score: bank 1 has incomes, bank 2 debts, bank 3 payment history.
    let applicants = 50usize;
    let columns = [("income", 1u32), ("debt", 2), ("late_payments", 3)];
    let weights = [0.004f64, -0.01, -0.5];
    let mut features = vec![vec![0.0f64; 3]; applicants];
    for (a, row) in features.iter_mut().enumerate() {
        row[0] = 200.0 + ((a * 37) % 500) as f64;
        row[1] = ((a * 53) % 90) as f64;
        row[2] = ((a * 7) % 6) as f64;
    }
    for i in 1..=parties {
        let mut csv = String::from("id");
        let mine: Vec<usize> = (0..3).filter(|c| columns[*c].1 == i).collect();
        for c in &mine {
            csv.push(',');
            csv.push_str(columns[*c].0);
        }
        csv.push('\n');
        for (a, row) in features.iter().enumerate() {
            csv.push_str(&format!("applicant-{a:03}"));
            for c in &mine {
                csv.push_str(&format!(",{}", row[*c]));
            }
            csv.push('\n');
        }
        fsio::WritePolicy::NO_OVERWRITE
            .write_public(&dir.join(format!("features{i}.csv")), csv.as_bytes())?;
    }
    let mut score_toml = String::from(
        "version = 1\njob = \"score\"\ndescription = \"joint credit decision\"\n[score]\nfraction_bits = 8\nbits = 48\nbias = 0.5\nthreshold = 1.0\nlender = 1\nreveal_scores = true\n",
    );
    for (c, (name, party)) in columns.iter().enumerate() {
        if *party <= parties {
            score_toml.push_str(&format!(
                "[[score.features]]\nparty = {party}\ncolumn = \"{name}\"\nweight = {}\n",
                weights[c]
            ));
        }
    }
    let score_job = dir.join("score.toml");
    fsio::WritePolicy::NO_OVERWRITE.write_public(&score_job, score_toml.as_bytes())?;
    let t = Instant::now();
    run_processes(
        dir,
        &config_path,
        parties,
        &score_job,
        &|i| Some(dir.join(format!("features{i}.csv"))),
        &[],
        Duration::from_secs(300),
    )?;
    let private: Value = serde_json::from_str(&read_text(&dir.join("result-p1.private.json"))?)?;
    let decisions = private["decisions"]
        .as_array()
        .cloned()
        .context("the lender's private file has no decisions")?;
    anyhow::ensure!(
        decisions.len() == applicants,
        "lender got {} decisions",
        decisions.len()
    );
    // Plaintext reference: the library's fixed-point decision for the same job.
    let Job::Score {
        score: score_params,
    } = JobFile::from_toml(&score_toml, "score.toml")?.job
    else {
        bail!("the demo's score job is not a score job");
    };
    let mut approved = 0;
    for (a, row) in features.iter().enumerate() {
        let expect = score_params.decide(|feature| {
            columns
                .iter()
                .position(|(name, _)| *name == feature.column)
                .map(|c| row[c])
        })?;
        let got = decisions[a]["approve"].as_bool();
        anyhow::ensure!(
            got == Some(expect),
            "decision for applicant {a} differs from plaintext"
        );
        approved += usize::from(expect);
    }
    tell(
        &format!(
            "score for {applicants} applicants: {approved} approved, only the lender knows which"
        ),
        t.elapsed(),
    )?;
    let join = if parties == 3 {
        join_demo(dir, &config_path, tell)?
    } else {
        tell(
            "private join skipped: the example customer lists are for 3 banks",
            Duration::ZERO,
        )?;
        Value::Null
    };
    Ok(json!({
        "ok": true,
        "parties": parties,
        "stats": outputs,
        "applicants": applicants,
        "approved": approved,
        "join": join,
        "record": record_path.display().to_string(),
    }))
}

/// The example customer lists of the three banks (`examples/data/bankN/customers.csv`,
/// partly overlapping, keyed by `customer_id`) and the `join-stats` job over them.
const JOIN_CSVS: [&str; 3] = [
    include_str!("../../../examples/data/bank1/customers.csv"),
    include_str!("../../../examples/data/bank2/customers.csv"),
    include_str!("../../../examples/data/bank3/customers.csv"),
];
const JOIN_STATS_JOB: &str = include_str!("../../../examples/data/jobs/join-stats.toml");

/// One bank's customer list: its value column's name and `id → value`.
fn customer_table(csv: &str) -> anyhow::Result<(String, BTreeMap<String, i64>)> {
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().context("an example customer list is empty")?;
    let (_, column) = header
        .split_once(',')
        .context("an example customer list has no value column")?;
    let mut table = BTreeMap::new();
    for line in lines {
        let (id, value) = line
            .split_once(',')
            .with_context(|| format!("example customer row {line:?} has no value"))?;
        let value: i64 = value
            .trim()
            .parse()
            .with_context(|| format!("example customer row {line:?}: not an integer"))?;
        anyhow::ensure!(
            table
                .insert(id.trim().to_ascii_uppercase(), value)
                .is_none(),
            "example customer id {id} appears twice"
        );
    }
    Ok((column.trim().to_string(), table))
}

/// The bank story over a private join: three banks with partly overlapping customer
/// lists run the example `join-stats` job (malicious security, the default) as three
/// processes over TLS; the demo checks the opened aggregates against the plaintext join
/// it computes itself and that every bank learned the same aggregates and sizes only.
fn join_demo(
    dir: &Path,
    config_path: &Path,
    tell: &mut dyn FnMut(&str, Duration) -> anyhow::Result<()>,
) -> anyhow::Result<Value> {
    let mut tables = Vec::new();
    for (i, csv) in JOIN_CSVS.iter().enumerate() {
        let path = dir.join(format!("customers{}.csv", i + 1));
        fsio::WritePolicy::NO_OVERWRITE.write_public(&path, csv.as_bytes())?;
        tables.push(customer_table(csv)?);
    }
    let job_path = dir.join("join-stats.toml");
    fsio::WritePolicy::NO_OVERWRITE.write_public(&job_path, JOIN_STATS_JOB.as_bytes())?;
    let job_file = JobFile::from_toml(JOIN_STATS_JOB, "join-stats.toml")?;
    let Job::JoinStats { join_stats } = &job_file.job else {
        bail!("the example join-stats.toml is not a join-stats job");
    };
    let t = Instant::now();
    let reports = run_processes(
        dir,
        config_path,
        3,
        &job_path,
        &|i| Some(dir.join(format!("customers{i}.csv"))),
        &[],
        Duration::from_secs(300),
    )?;
    let took = t.elapsed();
    let outputs: Vec<Value> = reports
        .iter()
        .map(|r| r.get("outputs").cloned().unwrap_or(Value::Null))
        .collect();
    let first = outputs.first().context("no join-stats outputs")?.clone();
    anyhow::ensure!(
        outputs.len() == 3 && outputs.iter().all(|o| *o == first),
        "the three banks got different join-stats outputs: {outputs:?}"
    );
    let security = first["security"].as_str().unwrap_or("(not stated)");
    anyhow::ensure!(
        security == "malicious",
        "the join-stats job ran with {security} security, not malicious"
    );

    // The plaintext join the banks could not compute themselves.
    let union: BTreeSet<&String> = tables.iter().flat_map(|(_, t)| t.keys()).collect();
    let shared: Vec<&String> = union
        .iter()
        .copied()
        .filter(|id| tables.iter().all(|(_, t)| t.contains_key(*id)))
        .collect();
    let score = join_stats.score();
    let mut above = 0usize;
    for id in &shared {
        let approve = score.decide(|feature| {
            tables
                .iter()
                .find(|(column, _)| *column == feature.column)
                .and_then(|(_, t)| t.get(*id))
                .map(|v| *v as f64)
        })?;
        above += usize::from(approve);
    }
    let mut totals = Vec::new();
    for total in &join_stats.totals {
        let (_, table) = tables
            .iter()
            .find(|(column, _)| *column == total.column)
            .with_context(|| format!("no example bank has a {} column", total.column))?;
        let sum: i64 = shared.iter().map(|id| table[*id]).sum();
        totals.push((total.column.clone(), sum));
    }
    let set_sizes: Vec<usize> = tables.iter().map(|(_, t)| t.len()).collect();
    let got_totals: Vec<(String, String)> = first["totals"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|t| {
                    (
                        t["column"].as_str().unwrap_or("").to_string(),
                        t["total"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let want_totals: Vec<(String, String)> = totals
        .iter()
        .map(|(c, v)| (c.clone(), v.to_string()))
        .collect();
    anyhow::ensure!(
        first["shared_customers"].as_u64() == Some(shared.len() as u64)
            && first["shared_at_or_above_threshold"].as_u64() == Some(above as u64)
            && got_totals == want_totals
            && first["join"]["union_size"].as_u64() == Some(union.len() as u64)
            && first["join"]["set_sizes"] == json!(set_sizes),
        "MPC join-stats differ from the plaintext join: got {first}, expected {} shared, \
         {above} at or above {}, totals {want_totals:?}, union {}, set sizes {set_sizes:?}",
        shared.len(),
        join_stats.threshold,
        union.len()
    );
    for i in 1..=3 {
        ResultRecord::from_json(&read_text(&dir.join(format!("result-p{i}.json")))?)?.verify()?;
    }
    let debt = totals
        .iter()
        .find(|(c, _)| c == "debt")
        .map_or(0, |(_, v)| *v);
    tell(
        &format!(
            "private join on customer_id, {security} security: {} shared",
            shared.len()
        ),
        took,
    )?;
    tell(
        &format!(
            "{above} of them score ≥ {:.1}; total debt {debt} k€ (= plaintext join)",
            join_stats.threshold
        ),
        Duration::ZERO,
    )?;
    tell(
        &format!(
            "each bank learned: set sizes {}, union {}, aggregates only",
            set_sizes
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join("/"),
            union.len()
        ),
        Duration::ZERO,
    )?;
    Ok(json!({
        "security": security,
        "shared_customers": shared.len(),
        "threshold": join_stats.threshold,
        "shared_at_or_above_threshold": above,
        "totals": totals.iter().map(|(c, v)| json!({ "column": c, "total": v })).collect::<Vec<_>>(),
        "set_sizes": set_sizes,
        "union_size": union.len(),
        "matches_plaintext": true,
        "signed_by": 3,
    }))
}
