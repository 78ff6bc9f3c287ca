//! The distributed tests' part: configurations for the real services (a broker and
//! ClickHouse, from the environment through `websense-testkit`), and a ClickHouse server and
//! a broker of a test's own, to stop and restart.

use super::{free_port, http_get, wait_for_port, Proc};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use websense_store::Store;
use websense_testkit::services::{create_s3_bucket, tansu_command};

/// `[bus]` and `[store]` for a distributed test: fresh topics, group and database; small
/// batches so that kills land mid-stream; quick group joins (see shared/README).
pub fn distributed_toml(brokers: &str, clickhouse: &str, name: &str) -> String {
    format!(
        r#"
[bus]
kind = "kafka"
brokers = "{brokers}"
raw_topic = "{name}_raw"
scored_topic = "{name}_scored"
dead_letter_topic = "{name}_dead"
group_id = "{name}"
partitions = 3
batch_size = 100
batch_wait = "50ms"
max_unacked_batches = 4

[bus.consumer_settings]
"session.timeout.ms" = "6000"
"max.poll.interval.ms" = "6000"
"auto.commit.interval.ms" = "1000"
"queued.max.messages.kbytes" = "4096"

[store]
backend = "clickhouse"
url = "{clickhouse}"
database = "{name}"
batch_rows = 5000
batch_wait = "300ms"
max_attempts = 3

[pipeline]
score_in_flight = 2
store_in_flight = 4
retry_max_delay = "2s"
lag_interval = "1s"
"#
    )
}

/// Open the test's ClickHouse database for queries.
pub async fn clickhouse(url: &str, database: &str) -> websense_store::ClickhouseStore {
    let config = websense_store::ClickhouseConfig {
        url: url.to_string(),
        database: database.to_string(),
        ..Default::default()
    };
    let store = websense_store::ClickhouseStore::connect(config)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store
}

/// The `[bus]` of [`distributed_toml`] as a [`websense_bus::KafkaConfig`], for tests that
/// produce raw items themselves.
pub fn kafka_config(brokers: &str, name: &str) -> websense_bus::KafkaConfig {
    let mut config = websense_bus::KafkaConfig {
        brokers: brokers.to_string(),
        raw_topic: format!("{name}_raw"),
        scored_topic: format!("{name}_scored"),
        dead_letter_topic: format!("{name}_dead"),
        group_id: name.to_string(),
        partitions: 3,
        ..Default::default()
    };
    config
        .consumer_settings
        .insert("session.timeout.ms".into(), "6000".into());
    config
}

/// Config files for one distributed test: `collect.toml` (fetching `feeds_per_second` from
/// the feed server), and `score.toml` and `store.toml` each with its own `/metrics` port;
/// returns those two addresses.
pub fn write_distributed_configs(
    dir: &Path,
    common: &str,
    collect_sources: &str,
    feeds_per_second: f64,
) -> (SocketAddr, SocketAddr) {
    let collect = format!(
        "[collect]\nallow_private_hosts = [\"127.0.0.1\"]\nper_host_rate = {feeds_per_second:?}\n\
         per_host_burst = 1\nstate_dir = \"state\"\n\n[matcher]\nlexicons = \"lexicons\"\n"
    );
    std::fs::write(
        dir.join("collect.toml"),
        format!("{collect}{common}{collect_sources}"),
    )
    .unwrap();
    let mut addrs = Vec::new();
    for role in ["score", "store"] {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        std::fs::write(
            dir.join(format!("{role}.toml")),
            format!("{collect}{common}\n[metrics]\nlisten = \"{addr}\"\n"),
        )
        .unwrap();
        addrs.push(addr);
    }
    (addrs[0], addrs[1])
}

/// A ClickHouse server of the test's own (`WEBSENSE_CLICKHOUSE_SERVER`), on free ports, with
/// its data in `dir`: stopped and started again by fault tests without disturbing the shared
/// one. Made from the system's `/etc/clickhouse-server` configuration, as scripts/services does.
pub struct OwnClickhouse {
    dir: PathBuf,
    pub http_port: u16,
    process: Option<Proc>,
}

impl OwnClickhouse {
    pub fn start(dir: &Path) -> OwnClickhouse {
        let server = std::env::var("WEBSENSE_CLICKHOUSE_SERVER").unwrap_or_else(|_| {
            panic!("WEBSENSE_CLICKHOUSE_SERVER is not set: run scripts/test (scripts/services exports it)")
        });
        let dir = dir.join("clickhouse");
        for sub in ["log", "data", "tmp"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let http_port = free_port();
        let tcp_port = free_port();
        let system = std::fs::read_to_string("/etc/clickhouse-server/config.xml").unwrap();
        let config = system
            .replace(
                "/var/log/clickhouse-server/",
                &format!("{}/log/", dir.display()),
            )
            .replace("/var/lib/clickhouse/", &format!("{}/data/", dir.display()))
            .replace("<listen_host>::1</listen_host>", "")
            .replace(
                "<http_port>8123</http_port>",
                &format!("<http_port>{http_port}</http_port>"),
            )
            .replace(
                "<tcp_port>9000</tcp_port>",
                &format!("<tcp_port>{tcp_port}</tcp_port>"),
            )
            .replace("<interserver_http_port>9009</interserver_http_port>", "");
        std::fs::write(dir.join("config.xml"), config).unwrap();
        std::fs::copy("/etc/clickhouse-server/users.xml", dir.join("users.xml")).unwrap();
        let mut me = OwnClickhouse {
            dir,
            http_port,
            process: None,
        };
        me.process = Some(me.launch(&server));
        me.wait_ready();
        me
    }

    fn launch(&self, server: &str) -> Proc {
        Proc::spawn(
            "clickhouse",
            &self.dir,
            Command::new(server).arg(format!("--config-file={}/config.xml", self.dir.display())),
        )
    }

    fn wait_ready(&self) {
        let addr: SocketAddr = format!("127.0.0.1:{}", self.http_port).parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(90);
        while http_get(addr, "/?query=SELECT%201")
            .as_deref()
            .map(str::trim)
            != Some("1")
        {
            assert!(Instant::now() < deadline, "own ClickHouse did not come up");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// Stop the server (SIGTERM, then SIGKILL after 20 s).
    pub async fn stop(&mut self) {
        let mut process = self.process.take().expect("running");
        process.signal("TERM");
        let deadline = Instant::now() + Duration::from_secs(20);
        while process.running() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        process.kill9();
    }

    pub fn restart(&mut self) {
        let server = std::env::var("WEBSENSE_CLICKHOUSE_SERVER").unwrap();
        self.process = Some(self.launch(&server));
        self.wait_ready();
    }
}

/// A tansu broker of the test's own on a free port, storing in an S3 bucket served by moto
/// (`WEBSENSE_TANSU`, `WEBSENSE_MOTO_SERVER`), so that it keeps its topics and offsets across
/// a restart, as a real broker does (tansu's `memory://` forgets them).
pub struct OwnBroker {
    dir: PathBuf,
    pub port: u16,
    s3_port: u16,
    _s3: Proc,
    broker: Option<Proc>,
}

impl OwnBroker {
    pub fn start(dir: &Path) -> OwnBroker {
        let (tansu, moto) = match (
            std::env::var("WEBSENSE_TANSU"),
            std::env::var("WEBSENSE_MOTO_SERVER"),
        ) {
            (Ok(t), Ok(m)) => (t, m),
            _ => panic!("WEBSENSE_TANSU and WEBSENSE_MOTO_SERVER must be set: run scripts/test"),
        };
        let dir = dir.join("broker");
        std::fs::create_dir_all(&dir).unwrap();
        let s3_port = free_port();
        let s3 = Proc::spawn(
            "moto",
            &dir,
            Command::new(moto).args(["-H", "127.0.0.1", "-p", &s3_port.to_string()]),
        );
        wait_for_port(s3_port, "moto_server", Duration::from_secs(60));
        create_s3_bucket(s3_port, "broker");
        let mut me = OwnBroker {
            dir,
            port: free_port(),
            s3_port,
            _s3: s3,
            broker: None,
        };
        me.broker = Some(me.launch(&tansu));
        me
    }

    fn launch(&self, tansu: &str) -> Proc {
        let process = Proc::spawn(
            "tansu",
            &self.dir,
            &mut tansu_command(tansu, self.port, self.s3_port),
        );
        wait_for_port(self.port, "tansu", Duration::from_secs(30));
        process
    }

    pub fn brokers(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Stop the broker as an operator's restart does (SIGTERM), waiting for it to exit.
    ///
    /// tansu writes what it acknowledged to its S3 storage on the way out; a SIGKILL before
    /// it is done loses those messages (a broker's durability, not websense's), so the wait
    /// is long: on a loaded 2-core machine a clean exit has taken over 30 s.
    pub async fn stop(&mut self) {
        if let Some(mut broker) = self.broker.take() {
            let started = Instant::now();
            broker.signal("TERM");
            let deadline = started + Duration::from_secs(180);
            while broker.running() && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            if broker.running() {
                eprintln!(
                    "tansu did not exit within {:?} of SIGTERM: killed, so it may lose \
                     messages it acknowledged",
                    started.elapsed()
                );
            } else {
                eprintln!("tansu exited {:?} after SIGTERM", started.elapsed());
            }
            broker.kill9();
        }
    }

    pub fn restart(&mut self) {
        let tansu = std::env::var("WEBSENSE_TANSU").unwrap();
        self.broker = Some(self.launch(&tansu));
    }
}
