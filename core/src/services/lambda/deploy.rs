//! SAM `DeploymentPreference`: CodeDeploy shifting an `AutoPublishAlias` from the
//! version it pointed to before this deployment to the new one, as the predefined
//! configurations do it — `Canary{P}Percent{M}Minutes` (P % at once, the rest after M
//! minutes), `Linear{P}PercentEvery{M}Minute(s)` (P % more every M minutes, starting at
//! once), `AllAtOnce` — and rolling back to the old version when one of its `Alarms`
//! (`AWS::CloudWatch::Alarm` on the function's `Errors`, evaluated every Period) goes
//! into ALARM while traffic shifts.
//!
//! A template describes one deployment, so the version being replaced comes from the
//! function's `Metadata.Playground.PreviousCode` (the code deployed before): with it
//! the run starts as the update is deployed — version 1 the old code, version 2 the new
//! one. Without it this is the function's first deployment, and SAM points the alias at
//! the new version directly. Lifecycle hooks (PreTraffic / PostTraffic) are not run.

use super::{Alias, Lambda, LambdaEvent};
use crate::error::TemplateError;
use crate::kernel::{Kernel, US_PER_MS};
use crate::services::Event;
use crate::template::Model;
use crate::trace::TraceKind;
use serde_json::{json, Value};

#[derive(Clone, Debug)]
pub(crate) struct Deployment {
    alias: String,
    old: String,
    new: String,
    /// (ms after the start, share of traffic on the new version).
    steps: Vec<(u64, f64)>,
    alarms: Vec<Alarm>,
    pub status: &'static str,
}

#[derive(Clone, Debug)]
struct Alarm {
    name: String,
    threshold: f64,
    or_equal: bool,
    period_s: u64,
    /// The function's Errors when this alarm last evaluated (each alarm has its own
    /// period, so each counts from its own last evaluation).
    errors_seen: u64,
}

/// The traffic steps of a CodeDeploy predefined configuration.
fn steps_of(ty: &str) -> Option<Vec<(u64, f64)>> {
    if ty == "AllAtOnce" {
        return Some(vec![(0, 1.0)]);
    }
    let num = |s: &str| s.parse::<u64>().ok();
    if let Some(rest) = ty.strip_prefix("Canary") {
        let (p, rest) = rest.split_once("Percent")?;
        let m = rest
            .strip_suffix("Minutes")
            .or(rest.strip_suffix("Minute"))?;
        let (p, m) = (num(p)?, num(m)?);
        return Some(vec![(0, p as f64 / 100.0), (m * 60_000, 1.0)]);
    }
    if let Some(rest) = ty.strip_prefix("Linear") {
        let (p, rest) = rest.split_once("PercentEvery")?;
        let m = rest
            .strip_suffix("Minutes")
            .or(rest.strip_suffix("Minute"))?;
        let (p, m) = (num(p)?, num(m)?);
        if p == 0 || p > 100 {
            return None;
        }
        let n = 100_u64.div_ceil(p);
        return Some(
            (0..n)
                .map(|i| (i * m * 60_000, (((i + 1) * p) as f64 / 100.0).min(1.0)))
                .collect(),
        );
    }
    None
}

impl Lambda {
    /// A SAM function's AutoPublishAlias with its deployment: the old version's code,
    /// the new one, the alias and the CodeDeploy plan (or the alias on the new version).
    pub(super) fn auto_publish(
        &mut self,
        model: &Model,
        fi: usize,
        p: &Value,
        path: &str,
    ) -> Result<String, TemplateError> {
        let alias = p
            .get("AutoPublishAlias")
            .and_then(Value::as_str)
            .unwrap_or("");
        let id = self.functions[fi].logical_id.clone();
        let previous = model
            .raw
            .pointer(&format!("/Resources/{id}/Metadata/Playground/PreviousCode"))
            .and_then(Value::as_str)
            .map(String::from);
        let pref = p.get("DeploymentPreference");
        let Some(previous) = previous else {
            // The first deployment: the alias simply points at the new version.
            self.functions[fi].versions += 1;
            let v = self.functions[fi].versions.to_string();
            self.functions[fi].aliases.insert(
                alias.to_string(),
                Alias {
                    version: v.clone(),
                    additional: None,
                },
            );
            return Ok(v);
        };
        let f = &mut self.functions[fi];
        f.versions += 2;
        let old = (f.versions - 1).to_string();
        let new = f.versions.to_string();
        f.version_code.insert(old.clone(), previous);
        let ty = pref
            .and_then(|d| d.get("Type"))
            .and_then(Value::as_str)
            .unwrap_or("AllAtOnce");
        let steps = steps_of(ty).ok_or_else(|| {
            TemplateError::at(
                format!("{path}.DeploymentPreference.Type"),
                format!("'{ty}' is not a CodeDeploy predefined configuration (e.g. Canary10Percent5Minutes, Linear10PercentEvery1Minute, AllAtOnce)"),
            )
        })?;
        let mut alarms = Vec::new();
        for (i, a) in pref
            .and_then(|d| d.get("Alarms"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let name = a.as_str().unwrap_or("");
            let res = model
                .resources
                .iter()
                .find(|r| {
                    r.resource_type == "AWS::CloudWatch::Alarm"
                        && (r.physical_name == name || r.logical_id == name)
                })
                .ok_or_else(|| {
                    TemplateError::at(
                        format!("{path}.DeploymentPreference.Alarms[{i}]"),
                        format!("'{name}' is not an AWS::CloudWatch::Alarm of this template"),
                    )
                })?;
            let ap = &res.properties;
            if ap.get("MetricName").and_then(Value::as_str) != Some("Errors") {
                return Err(TemplateError::at(
                    format!("Resources.{}.Properties.MetricName", res.logical_id),
                    "the playground evaluates alarms on the function's Errors metric (AWS/Lambda) only",
                ));
            }
            let op = ap
                .get("ComparisonOperator")
                .and_then(Value::as_str)
                .unwrap_or("GreaterThanThreshold");
            alarms.push(Alarm {
                name: res.physical_name.clone(),
                threshold: ap.get("Threshold").and_then(Value::as_f64).unwrap_or(0.0),
                or_equal: op == "GreaterThanOrEqualToThreshold",
                period_s: ap
                    .get("Period")
                    .and_then(Value::as_u64)
                    .unwrap_or(60)
                    .max(10),
                errors_seen: 0,
            });
        }
        f.aliases.insert(
            alias.to_string(),
            Alias {
                version: old.clone(),
                additional: None,
            },
        );
        f.deployment = Some(Deployment {
            alias: alias.to_string(),
            old,
            new: new.clone(),
            steps,
            alarms,
            status: "InProgress",
        });
        Ok(new)
    }

    /// Schedules every deployment's traffic steps and alarm evaluations.
    pub fn start_deployments(&mut self, k: &mut Kernel<Event>) {
        for fi in 0..self.functions.len() {
            let Some(d) = &self.functions[fi].deployment else {
                continue;
            };
            for (step, (at, _)) in d.steps.iter().enumerate() {
                k.schedule(
                    at * US_PER_MS,
                    Event::Lambda(LambdaEvent::DeploymentStep { function: fi, step }),
                );
            }
            for (alarm, a) in d.alarms.iter().enumerate() {
                k.schedule(
                    a.period_s * 1_000 * US_PER_MS,
                    Event::Lambda(LambdaEvent::AlarmCheck {
                        function: fi,
                        alarm,
                    }),
                );
            }
        }
    }

    pub(super) fn deployment_step(&mut self, k: &mut Kernel<Event>, fi: usize, step: usize) {
        let lid = self.functions[fi].logical_id.clone();
        let f = &mut self.functions[fi];
        let Some(d) = f.deployment.as_mut() else {
            return;
        };
        if d.status != "InProgress" {
            return;
        }
        let weight = d.steps[step].1;
        let alias = d.alias.clone();
        let summary = if weight >= 1.0 {
            d.status = "Succeeded";
            f.aliases.insert(
                alias.clone(),
                Alias {
                    version: d.new.clone(),
                    additional: None,
                },
            );
            format!(
                "CodeDeploy: deployment succeeded, {alias} → version {} (100%)",
                d.new
            )
        } else {
            f.aliases.insert(
                alias.clone(),
                Alias {
                    version: d.old.clone(),
                    additional: Some((d.new.clone(), weight)),
                },
            );
            format!(
                "CodeDeploy: {alias} sends {:.0}% to version {} ({:.0}% stay on {})",
                weight * 100.0,
                d.new,
                (1.0 - weight) * 100.0,
                d.old
            )
        };
        k.record(
            TraceKind::Delivery,
            "codedeploy",
            &lid,
            summary,
            json!({"alias": alias, "weight": weight}),
        );
    }

    /// A deployment alarm's evaluation: the errors of the last period against its
    /// threshold; in ALARM the deployment stops and the alias returns to the old version.
    pub(super) fn alarm_check(&mut self, k: &mut Kernel<Event>, fi: usize, alarm: usize) {
        let errors = self.functions[fi].metrics.errors;
        let lid = self.functions[fi].logical_id.clone();
        let f = &mut self.functions[fi];
        let Some(d) = f.deployment.as_mut() else {
            return;
        };
        if d.status != "InProgress" {
            return;
        }
        let in_period = (errors - d.alarms[alarm].errors_seen) as f64;
        d.alarms[alarm].errors_seen = errors;
        let a = d.alarms[alarm].clone();
        let breached = if a.or_equal {
            in_period >= a.threshold
        } else {
            in_period > a.threshold
        };
        if !breached {
            k.schedule(
                a.period_s * 1_000 * US_PER_MS,
                Event::Lambda(LambdaEvent::AlarmCheck {
                    function: fi,
                    alarm,
                }),
            );
            return;
        }
        d.status = "Stopped";
        let (alias, old) = (d.alias.clone(), d.old.clone());
        f.aliases.insert(
            alias.clone(),
            Alias {
                version: old.clone(),
                additional: None,
            },
        );
        k.record(
            TraceKind::Failure,
            "codedeploy",
            &lid,
            format!("CodeDeploy: alarm {} is in ALARM ({in_period} errors in {} s) — deployment stopped, {alias} rolled back to version {old}", a.name, a.period_s),
            json!({"alarm": a.name, "alias": alias}),
        );
    }

    /// The deployment as the report shows it.
    pub(super) fn deployment_report(&self, fi: usize) -> Option<Value> {
        self.functions[fi].deployment.as_ref().map(|d| {
            json!({"Alias": d.alias, "FromVersion": d.old, "ToVersion": d.new, "Status": d.status})
        })
    }
}

#[cfg(test)]
mod tests {
    use super::steps_of;

    #[test]
    fn predefined_configurations_shift_as_codedeploy_does() {
        assert_eq!(
            steps_of("Canary10Percent5Minutes").unwrap(),
            vec![(0, 0.1), (300_000, 1.0)]
        );
        let linear = steps_of("Linear10PercentEvery1Minute").unwrap();
        assert_eq!(linear.len(), 10);
        assert_eq!(linear[0], (0, 0.1));
        assert_eq!(linear[9], (540_000, 1.0));
        assert_eq!(steps_of("AllAtOnce").unwrap(), vec![(0, 1.0)]);
        assert!(steps_of("Fast").is_none());
    }
}
