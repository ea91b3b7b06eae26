//! The MPC chapter of `conclave demo` (it drives the same library calls as
//! `conclave mpc …`).

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
    story
        .artifacts
        .insert("mpc.result", dir.join("result-p1.json"));
    Ok(())
}
