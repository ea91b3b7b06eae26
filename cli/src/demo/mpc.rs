//! The MPC chapter of `conclave demo` (it drives the same library calls as
//! `conclave mpc …`): three banks as three `conclave mpc run` processes over TLS compute
//! statistics of their scores, a joint credit decision and — over a private join of
//! their partly overlapping customer lists, with malicious security — how many shared
//! customers score above a threshold and their total debt, each checked against the
//! plaintext computation.

use anyhow::Context;
use serde_json::json;
use std::time::Duration;

use super::Story;
use crate::cmd::mpc::demo;

/// The MPC chapter of `conclave demo`: three banks as three processes on loopback.
pub fn chapter(story: &mut Story) -> anyhow::Result<()> {
    story.chapter("Secret-sharing MPC: three banks, three processes, TLS 1.3")?;
    let dir = story.path("mpc");
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let mut lines: Vec<(String, Duration)> = Vec::new();
    let summary = demo(&dir, 3, 500, &mut |line, took| {
        lines.push((line.to_string(), took));
        Ok(())
    })?;
    for (line, took) in lines {
        story.tell(&line, took)?;
    }
    story.expect(
        summary["ok"] == json!(true),
        "MPC results equal the plaintext computation",
    )?;
    story.expect(
        summary["join"]["matches_plaintext"] == json!(true)
            && summary["join"]["security"] == json!("malicious"),
        "join-stats over the private join, with malicious security, equals the plaintext join",
    )?;
    // The last job's signed record (join-stats), anchored by the ledger chapter.
    story
        .artifacts
        .insert("mpc.result", dir.join("result-p1.json"));
    story.summaries.insert("mpc".into(), summary);
    Ok(())
}
