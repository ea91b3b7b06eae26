//! Client input: shares that an outside data owner dealt to each party
//! (`conclave mpc share`), and their JSON file (`share-p<i>.json`, secret).

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::field::Fp;
use crate::{Error, PartyId};

/// Version of the client share file format.
pub const SHARES_VERSION: u32 = 1;

/// Shares that an outside data owner dealt to this party (the client-input model).
///
/// # Security
/// Secret: zeroised on drop, no `Clone`/`Debug`/`Serialize`.
pub struct ClientShares {
    /// Random id of the dealing (the same at every party).
    pub batch: [u8; 16],
    /// This party's shares.
    pub shares: Vec<Fp>,
}

impl Drop for ClientShares {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.shares);
    }
}

impl std::fmt::Debug for ClientShares {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientShares({} values, redacted)", self.shares.len())
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SharesFile {
    version: u32,
    kind: String,
    batch: String,
    party: u32,
    parties: u32,
    shares: Vec<String>,
}

impl ClientShares {
    /// No client input.
    pub fn none() -> ClientShares {
        ClientShares {
            batch: [0; 16],
            shares: Vec::new(),
        }
    }

    /// Splits `values` for `params.n()` parties: one JSON share file per party, in order.
    pub fn deal<R: RngCore + CryptoRng>(
        params: crate::Params,
        values: &[i64],
        rng: &mut R,
    ) -> Vec<zeroize::Zeroizing<String>> {
        let mut batch = [0u8; 16];
        rng.fill_bytes(&mut batch);
        let secrets: Vec<Fp> = values.iter().map(|v| Fp::from_i64(*v)).collect();
        crate::shamir::share(params, &secrets, rng)
            .iter()
            .map(|s| {
                let file = SharesFile {
                    version: SHARES_VERSION,
                    kind: "conclave.mpc.shares".into(),
                    batch: hex::encode(batch),
                    party: s.party().0,
                    parties: params.n() as u32,
                    shares: s
                        .values()
                        .iter()
                        .map(|v| hex::encode(v.to_bytes()))
                        .collect(),
                };
                // Invariant: a struct of strings and integers always serializes.
                let mut text =
                    serde_json::to_string_pretty(&file).expect("a share file serializes");
                text.push('\n');
                zeroize::Zeroizing::new(text)
            })
            .collect()
    }

    /// Parses this party's share file, checking it was dealt for `party` of `n`.
    ///
    /// # Errors
    /// [`Error::BadFile`] naming `what`.
    pub fn from_json(
        text: &str,
        party: PartyId,
        n: usize,
        what: &str,
    ) -> Result<ClientShares, Error> {
        let file: SharesFile = serde_json::from_str(text)
            .map_err(|e| Error::bad_file(what, format!("not a share file: {e}")))?;
        if file.version != SHARES_VERSION || file.kind != "conclave.mpc.shares" {
            return Err(Error::bad_file(
                what,
                "unsupported share file version or kind",
            ));
        }
        if file.party != party.0 || file.parties as usize != n {
            return Err(Error::bad_file(
                what,
                format!(
                    "dealt for party {} of {}, but this is party {} of {n}",
                    file.party, file.parties, party.0
                ),
            ));
        }
        let batch: [u8; 16] = hex::decode(&file.batch)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| Error::bad_file(what, "batch must be 32 hex digits"))?;
        let shares = file
            .shares
            .iter()
            .enumerate()
            .map(|(k, h)| {
                hex::decode(h)
                    .ok()
                    .and_then(|b| <[u8; 16]>::try_from(b).ok())
                    .and_then(Fp::from_canonical_bytes)
                    .ok_or_else(|| {
                        Error::bad_file(
                            what,
                            format!("share #{k} is not a canonical field element"),
                        )
                    })
            })
            .collect::<Result<Vec<Fp>, Error>>()?;
        Ok(ClientShares { batch, shares })
    }
}
