//! The dashboard's sections built from the figures: new customers by their breakdowns, shares,
//! medians, services, civic orientation, language skills and the parts of the process.

use super::*;

impl Dashboard<'_> {
    /// New customers: the total, and over the finer periods as columns.
    pub(super) fn new_customers(&self) -> Section {
        let tr = self.tr;
        let title = tr.t("stats-new-customers");
        let text = tr.t("stats-new-customers-text");
        let total = figure(self.figures(), "customers", "total");
        let total_text = match total {
            Some(_) => self.count(total).text,
            None => tr.t("stats-hidden"),
        };
        let series_title = tr.t("stats-new-customers-over-time");
        let points = &self.view.new_customers;
        let bars = points
            .iter()
            .map(|p| self.count_bar(self.labels.label(&p.period), p.value))
            .collect();
        let chart = columns(&self.chart(&series_title, &text, bars), "stats-new-customers");
        let rows = points
            .iter()
            .map(|p| Row::new(self.labels.label(&p.period), vec![self.count(p.value)]))
            .collect();
        Section {
            id: "new-customers",
            title,
            blocks: vec![
                Block {
                    note: Some(tr.t_with("stats-new-customers-total", &[("count", &total_text)])),
                    ..Block::default()
                },
                Block {
                    heading: Some(series_title.clone()),
                    chart: Some(chart),
                    table: Some(TableView {
                        caption: series_title,
                        columns: vec![tr.t("stats-col-period"), tr.t("stats-col-customers")],
                        rows,
                    }),
                    ..Block::default()
                },
            ],
            text,
        }
    }

    /// Counts by category: horizontal bars, and a table with the total.
    pub(super) fn breakdown(&self, b: Breakdown, rows: Vec<(String, String)>) -> Section {
        let tr = self.tr;
        let title = tr.t(b.title);
        let text = tr.t(b.text);
        let figures = self.figures();
        let bars = rows
            .iter()
            .map(|(label, category)| self.count_bar(label.clone(), figure(figures, b.indicator, category)))
            .collect();
        let chart = horizontal_bars(&self.chart(&title, &text, bars), &format!("stats-{}", b.id));
        let mut table_rows: Vec<Row> = rows
            .iter()
            .map(|(label, category)| Row::new(label.clone(), vec![self.count(figure(figures, b.indicator, category))]))
            .collect();
        table_rows.push(Row::total(
            tr.t("stats-total"),
            vec![self.count(figure(figures, b.indicator, "total"))],
        ));
        Section {
            id: b.id,
            blocks: vec![Block {
                chart: Some(chart),
                table: Some(TableView {
                    caption: title.clone(),
                    columns: vec![b.header, b.unit],
                    rows: table_rows,
                }),
                ..Block::default()
            }],
            title,
            text,
        }
    }

    /// A share of a total (`shared` of `total`) as a bar on 0-100 %, and the counts with their shares.
    pub(super) fn share_section(&self, b: Breakdown, rows: Vec<(String, String)>, shared: &str) -> Section {
        let tr = self.tr;
        let title = tr.t(b.title);
        let text = tr.t(b.text);
        let figures = self.figures();
        let total = figure(figures, b.indicator, "total");
        let share_label = rows
            .iter()
            .find(|(_, category)| category == shared)
            .map(|(label, _)| label.clone())
            .unwrap_or_default();
        let block = match share(figure(figures, b.indicator, shared), total) {
            Some(value) => Block {
                chart: Some(share_bar(
                    &format!("{title}: {share_label}"),
                    value,
                    &self.display(value, |v| self.percent(v)),
                    &format!("stats-{}", b.id),
                )),
                ..Block::default()
            },
            None => Block {
                note: Some(tr.t("stats-none-counted")),
                ..Block::default()
            },
        };
        let share_cell = |value: Option<f64>| match share(value, total) {
            Some(Some(share)) => self.text_cell(self.percent(share)),
            Some(None) => self.hidden_cell(),
            None => self.text_cell(String::new()),
        };
        let mut table_rows: Vec<Row> = rows
            .iter()
            .map(|(label, category)| {
                let value = figure(figures, b.indicator, category);
                Row::new(label.clone(), vec![self.count(value), share_cell(value)])
            })
            .collect();
        table_rows.push(Row::total(
            tr.t("stats-total"),
            vec![self.count(total), share_cell(total)],
        ));
        Section {
            id: b.id,
            blocks: vec![
                block,
                Block {
                    table: Some(TableView {
                        caption: title.clone(),
                        columns: vec![b.header, b.unit, tr.t("stats-col-share")],
                        rows: table_rows,
                    }),
                    ..Block::default()
                },
            ],
            title,
            text,
        }
    }

    /// The median days to the assessment and from it to the plan.
    pub(super) fn medians(&self) -> Section {
        let tr = self.tr;
        let title = tr.t("stats-lead-times");
        let rows = [
            ("days_to_assessment", "stats-days-to-assessment"),
            ("days_assessment_to_plan", "stats-days-assessment-to-plan"),
        ]
        .into_iter()
        .map(|(indicator, label)| {
            let cell = if !listed(self.figures(), indicator, "median") {
                self.text_cell(tr.t("stats-none-counted"))
            } else {
                match figure(self.figures(), indicator, "median") {
                    Some(days) => self.text_cell(self.days(days)),
                    None => self.hidden_cell(),
                }
            };
            Row::new(tr.t(label), vec![cell])
        })
        .collect();
        Section {
            id: "lead-times",
            blocks: vec![Block {
                table: Some(TableView {
                    caption: title.clone(),
                    columns: vec![tr.t("stats-col-stage"), tr.t("stats-col-median")],
                    rows,
                }),
                ..Block::default()
            }],
            title,
            text: tr.t("stats-lead-times-text"),
        }
    }

    /// "12 days"; a median of an even count may fall between two days ("12.5 days").
    pub(super) fn days(&self, days: f64) -> String {
        if days.fract() == 0.0 {
            self.tr.t_count("stats-days", days.max(0.0) as usize)
        } else {
            self.tr.t_with("stats-days-fraction", &[("days", &self.decimal(days))])
        }
    }

    /// Services by type and by status (bars), and the two-way table of both.
    pub(super) fn services(&self) -> Section {
        let tr = self.tr;
        let title = tr.t("stats-services");
        let text = tr.t("stats-services-text");
        let figures = self.figures();
        let types: Vec<(String, &str)> = ServiceType::ALL
            .iter()
            .map(|t| (tr.label("service", t.as_str()), t.as_str()))
            .collect();
        // The statuses of measures, in the order of a measure's life as the forms offer them.
        let statuses: Vec<(String, &str)> = crate::ui::options::values("measure-status")
            .iter()
            .map(|s| (tr.label("measure-status", s), *s))
            .collect();
        let by_type_title = tr.t("stats-services-by-type");
        let by_status_title = tr.t("stats-services-by-status");
        let type_bars = types
            .iter()
            .map(|(label, t)| self.count_bar(label.clone(), figure(figures, "services", &format!("type:{t}"))))
            .collect();
        let status_bars = statuses
            .iter()
            .map(|(label, s)| self.count_bar(label.clone(), figure(figures, "services", &format!("status:{s}"))))
            .collect();
        let mut headers = vec![tr.t("field-service")];
        headers.extend(statuses.iter().map(|(label, _)| label.clone()));
        headers.push(tr.t("stats-total"));
        let mut rows: Vec<Row> = types
            .iter()
            .map(|(label, t)| {
                let mut cells: Vec<Cell> = statuses
                    .iter()
                    .map(|(_, s)| self.count(figure(figures, "services", &format!("type:{t}|status:{s}"))))
                    .collect();
                cells.push(self.count(figure(figures, "services", &format!("type:{t}"))));
                Row::new(label.clone(), cells)
            })
            .collect();
        let mut totals: Vec<Cell> = statuses
            .iter()
            .map(|(_, s)| self.count(figure(figures, "services", &format!("status:{s}"))))
            .collect();
        totals.push(self.count(figure(figures, "services", "total")));
        rows.push(Row::total(tr.t("stats-total"), totals));
        let table_title = tr.t("stats-services-table");
        Section {
            id: "services",
            blocks: vec![
                Block {
                    heading: Some(by_type_title.clone()),
                    chart: Some(horizontal_bars(
                        &self.chart(&by_type_title, &text, type_bars),
                        "stats-services-type",
                    )),
                    ..Block::default()
                },
                Block {
                    heading: Some(by_status_title.clone()),
                    chart: Some(horizontal_bars(
                        &self.chart(&by_status_title, &text, status_bars),
                        "stats-services-status",
                    )),
                    ..Block::default()
                },
                Block {
                    heading: Some(table_title.clone()),
                    table: Some(TableView {
                        caption: table_title,
                        columns: headers,
                        rows,
                    }),
                    ..Block::default()
                },
            ],
            title,
            text,
        }
    }

    /// Customers in the integration programme and their civic orientation hours (no breakdown to
    /// chart: a table).
    pub(super) fn civic_orientation(&self) -> Section {
        let tr = self.tr;
        let title = tr.t("stats-civic-orientation");
        let figures = self.figures();
        let mean = if listed(figures, "civic_orientation", "mean_hours") {
            match figure(figures, "civic_orientation", "mean_hours") {
                Some(mean) => self.text_cell(self.decimal(mean)),
                None => self.hidden_cell(),
            }
        } else {
            self.text_cell(tr.t("stats-none-counted"))
        };
        let rows = vec![
            Row::new(
                tr.t("stats-civic-customers"),
                vec![self.count(figure(figures, "civic_orientation", "total"))],
            ),
            Row::new(
                tr.t("stats-civic-hours"),
                vec![self.count(figure(figures, "civic_orientation", "hours"))],
            ),
            Row::new(tr.t("stats-civic-mean-hours"), vec![mean]),
        ];
        Section {
            id: "civic-orientation",
            blocks: vec![Block {
                table: Some(TableView {
                    caption: title.clone(),
                    columns: vec![tr.t("stats-col-figure"), tr.t("stats-col-value")],
                    rows,
                }),
                ..Block::default()
            }],
            title,
            text: tr.t("stats-civic-orientation-text"),
        }
    }

    /// Finnish or Swedish skills: the share whose level rose, per skill, then each skill's levels at
    /// the first plan and at the latest measurement.
    pub(super) fn language_skills(&self) -> Section {
        let tr = self.tr;
        let title = tr.t("stats-language");
        let text = tr.t("stats-language-text");
        let figures = self.figures();
        let levels: Vec<&str> = code_lists::list(CodeListName::CefrLevels)
            .entries
            .iter()
            .map(|e| e.code.as_str())
            .collect();
        let mut bars = Vec::new();
        let mut summary = Vec::new();
        let mut blocks = Vec::new();
        for (skill, label_key) in SKILLS {
            let indicator = format!("language_{skill}");
            let skill_label = tr.t(label_key);
            let total = figure(figures, &indicator, "total");
            let rose = rose(figures, &indicator, &levels);
            let skill_share = share(rose, total);
            bars.push(Bar {
                label: skill_label.clone(),
                // Nobody measured is a bar of 0 %, not a hidden figure.
                value: skill_share.unwrap_or(Some(0.0)),
                display: match skill_share {
                    Some(value) => self.display(value, |v| self.percent(v)),
                    None => tr.t("stats-none-counted"),
                },
            });
            summary.push(Row::new(
                skill_label.clone(),
                vec![
                    self.count(total),
                    self.count(rose),
                    match skill_share {
                        Some(Some(value)) => self.text_cell(self.percent(value)),
                        Some(None) => self.hidden_cell(),
                        None => self.text_cell(String::new()),
                    },
                ],
            ));
            let mut rows: Vec<Row> = levels
                .iter()
                .map(|level| {
                    Row::new(
                        code_label(tr, CodeListName::CefrLevels, level),
                        vec![
                            self.count(figure(figures, &indicator, &format!("first:{level}"))),
                            self.count(figure(figures, &indicator, &format!("latest:{level}"))),
                        ],
                    )
                })
                .collect();
            rows.push(Row::total(
                tr.t("stats-total"),
                vec![self.count(total), self.count(total)],
            ));
            let heading = tr.t_with("stats-language-levels", &[("skill", &skill_label)]);
            blocks.push(Block {
                heading: Some(heading.clone()),
                table: Some(TableView {
                    caption: heading,
                    columns: vec![
                        tr.t("field-level"),
                        tr.t("stats-col-first-level"),
                        tr.t("stats-col-latest-level"),
                    ],
                    rows,
                }),
                ..Block::default()
            });
        }
        let rose_title = tr.t("stats-language-rose");
        let mut first = vec![Block {
            heading: Some(rose_title.clone()),
            chart: Some(horizontal_bars(&self.chart(&rose_title, &text, bars), "stats-language")),
            table: Some(TableView {
                caption: rose_title,
                columns: vec![
                    tr.t("stats-col-skill"),
                    tr.t("stats-col-measured"),
                    tr.t("stats-col-rose"),
                    tr.t("stats-col-share"),
                ],
                rows: summary,
            }),
            ..Block::default()
        }];
        first.append(&mut blocks);
        Section {
            id: "language",
            title,
            text,
            blocks: first,
        }
    }

    /// The areas directly within this one: their new customers and share of assessments on time,
    /// each linking to its own figures.
    pub(super) fn parts(&self) -> Section {
        let tr = self.tr;
        let title = tr.t("stats-parts");
        let text = tr.t("stats-parts-text");
        let mut bars = Vec::new();
        let mut rows = Vec::new();
        for part in &self.view.parts {
            let name = area_name(tr, &part.area);
            let customers = figure(&part.figures, "customers", "total");
            let on_time = share(
                figure(&part.figures, "assessment_timeliness", "on_time"),
                figure(&part.figures, "assessment_timeliness", "total"),
            );
            bars.push(self.count_bar(name.clone(), customers));
            rows.push(Row {
                href: Some(format!(
                    "/statistics?area={}&period={}",
                    encode(&part.area.key),
                    encode(&self.period_for(&part.area))
                )),
                label: name,
                cells: vec![
                    self.count(customers),
                    match on_time {
                        Some(Some(value)) => self.text_cell(self.percent(value)),
                        Some(None) => self.hidden_cell(),
                        None => self.text_cell(tr.t("stats-none-counted")),
                    },
                ],
                total: false,
            });
        }
        let chart_title = tr.t("stats-parts-customers");
        Section {
            id: "parts",
            blocks: vec![Block {
                heading: Some(chart_title.clone()),
                chart: Some(horizontal_bars(&self.chart(&chart_title, &text, bars), "stats-parts")),
                table: Some(TableView {
                    caption: title.clone(),
                    columns: vec![
                        tr.t("stats-col-area"),
                        tr.t("stats-new-customers"),
                        tr.t("stats-assessments-on-time"),
                    ],
                    rows,
                }),
                ..Block::default()
            }],
            title,
            text,
        }
    }
}
