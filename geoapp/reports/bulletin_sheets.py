"""The bulletin's sheets beyond the hazard figures: 分部门, 巡查, 延期, 督办措施, 审核, 渠道, 事故.

Each is written when its report is given to geoapp.reports.bulletin.write; the
cells through geoapp.reports.workbook (text stays text, no formula).
"""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from geoapp.domain import workflow
from geoapp.domain.ranks import COVERAGE_TIE_RULE, TIE_RULE
from geoapp.reports import accidents as accident_report
from geoapp.reports.measures import line
from geoapp.reports.workbook import finish, note, pct, table


def visits(ws: Worksheet, visits: dict) -> None:
    """Visits (巡查): coverage per village ranked, then per grid member, then per cell."""
    period = visits["period"]
    span = f"{period['from']} 至 {period['to']}"
    rows = [[v["rank"], v["name"], v["code"] or "", v["town"], v["points"], v["on_time"],
             v["overdue"], pct(v["coverage"]), v["red_cells"], v["visits"],
             v["points_visited"]] for v in visits["villages"]]
    end = table(ws, f"村（社区）巡查覆盖率排名（{span}）",
                 ["排名", "村/社区", "代码", "镇/街道", "点位", "未逾期", "逾期未巡查",
                  "巡查覆盖率", "红色网格", "期内巡查次数", "期内巡查点位"],
                 rows, {8: "0.0%"})
    note(ws, end, "排名规则：" + COVERAGE_TIE_RULE
          + f"巡查覆盖率 = 截至 {visits['as_of']} 未逾期巡查的点位 ÷ 点位。", 11)
    rows = [[m["name"] or m["username"], m["username"], m["visits"], m["points"],
             "、".join(m["cells"])] for m in visits["members"]]
    end = table(ws, f"各网格员巡查（{span}）",
                 ["网格员", "账号", "巡查次数", "巡查点位", "所到网格"], rows, top=end + 2)
    rows = [[c["code"] or "", c["name"], c.get("village", ""), c["points"], c["points_due"],
             c["visits"], c["points_visited"], c["due_visited"], c["overdue"],
             pct(c["coverage"])] for c in [*visits["cells"], visits["outside"]]]
    table(ws, f"各网格巡查（{span}）",
           ["网格代码", "网格", "村/社区", "点位", "期内应巡查", "巡查次数", "巡查点位",
            "应巡查中已巡查", "期末逾期未巡查", "巡查覆盖率"], rows, {10: "0.0%"}, top=end + 1)
    finish(ws)


def extensions(ws: Worksheet, ext: dict) -> None:
    """Extensions (延期): requested, granted, refused in the month, pending at its end."""
    period = ext["period"]
    heads = ["村/社区", "代码", "镇/街道", "申请延期", "批准", "不批准", "期末待审批"]
    rows = [[v["name"], v["code"] or "", v["town"], v["requested"], v["granted"], v["refused"],
             v["pending"]] for v in ext["villages"]]
    rows.append([ext["outside"]["name"], "", "", *(ext["outside"][k] for k in (
        "requested", "granted", "refused", "pending"))])
    rows.append(["合计", "", "", *(ext["total"][k] for k in (
        "requested", "granted", "refused", "pending"))])
    end = table(ws, f"隐患整改延期（{period['from']} 至 {ext['as_of']}）", heads, rows)
    note(ws, end, "申请按提出之日、批准与不批准按审批之日计入；期末待审批 = 截至 "
          f"{ext['as_of']} 已申请而未审批。", len(heads))
    finish(ws)


def measures(ws: Worksheet, data: dict, measures: dict) -> None:
    """督办措施: those taken on the overdue hazards (named, one line each), then the
    month's count per kind and village."""
    rows = [[h["code"], h["village"], h["point"], h["description"], h["days_overdue"],
             "\n".join(line(m) for m in measures["overdue"].get(h["code"], [])) or "无"]
            for h in data["overdue"]]
    top = table(ws, f"逾期隐患已采取的督办措施（截至 {data['as_of']}）",
                 ["隐患编号", "村/社区", "点位", "隐患描述", "逾期天数", "督办措施"], rows)
    kinds = measures["kinds"]
    counts = [[v["town"], v["name"], *(v["counts"][k["code"]] for k in kinds),
               v["counts"]["total"]] for v in measures["villages"]]
    counts.append(["合计", "", *(measures["total"][k["code"]] for k in kinds),
                   measures["total"]["total"]])
    table(ws, f"本期督办措施（{measures['period']['from']} 至 {measures['period']['to']}）",
           ["镇/街道", "村/社区", *(k["label"] for k in kinds), "合计"], counts, top=top + 1)
    finish(ws, text_columns={4: 24})


def reviewers(ws: Worksheet, report: dict) -> None:
    """审核: per account, acceptances, rejections, median days from 提请验收 to the decision."""
    period = report["period"]
    rows = [[r["name"] or r["username"], r["username"], r["accepted"], r["rejected"],
             r["decisions"], r["median_days"] if r["median_days"] is not None else "—"]
            for r in report["reviewers"]]
    t = report["total"]
    rows.append(["合计", "", t["accepted"], t["rejected"], t["decisions"],
                 t["median_days"] if t["median_days"] is not None else "—"])
    end = table(ws, f"隐患验收审核情况（{period['label']}，截至 {report['as_of']}）",
                 ["审核人", "账号", "验收通过（销号）", "退回", "合计",
                  "提请验收至审核天数（中位数）"], rows, {6: "0.0"})
    finish(ws)
    note(ws, end + 1, "口径：按审核（验收通过或退回）的当地日期计入期间；天数 = 隐患最近一次"
                       "提请验收至审核的日历天数（当天审核为 0），无提请验收记录的不计天数；"
                       "中位数为期内各次审核天数的中位数。", 6)



def channels(ws: Worksheet, report: dict) -> None:
    """渠道: hazards per channel (per town), public reports handled, enterprise self-checks."""
    period = report["period"]
    span = f"{period['label']}，截至 {report['as_of']}"
    hz = report["hazards"]
    rows = [[town["name"], *(town["by_source"][k]["found"] for k in workflow.SOURCE_LABELS)]
            for town in hz["towns"]]
    rows.append(["合计", *(hz["total"][k]["found"] for k in workflow.SOURCE_LABELS)])
    end = table(ws, f"各渠道发现隐患（{span}）", ["镇/街道", *workflow.SOURCE_LABELS.values()],
                rows)
    pr = report["public_reports"]

    def report_row(name, f):
        hours = f["median_hours_to_first_response"]
        return [name, f["received"], f["verified"], f["rejected"], f["pending"],
                f["unanswered"], hours if hours is not None else "—"]

    rows = [report_row(t["name"] or "网格外", t) for t in pr["towns"]]
    rows.append(report_row("合计", pr["total"]))
    end = table(ws, f"群众举报受理、核查（{span}）",
                ["镇/街道", "受理", "查实", "不属实", "期末待办结", "未答复",
                 "首次答复小时数（中位数）"],
                rows, {7: "0.0"}, top=end + 1)
    rw = pr["rewards"]
    note(ws, end, f"查实即奖：本期奖励 {rw['count']} 笔，金额 {rw['amount']} 元，其中已发放 "
         f"{rw['paid']} 元，未发放 {rw['unpaid_count']} 笔。受理按举报日期、查实与不属实按核查"
         "结论日期计入；首次答复 = 受理后办理人员的第一次处理（开始核查、查实、不属实或答复）。", 7)
    sc = report["self_checks"]
    rows = [[v["rank"] or "—", v["name"], v["code"] or "", v["town"], v["enterprises"],
             v["self_checked"], v["not_checked"], pct(v["coverage"]), v["red_cells"]]
            for v in sc["villages"]]
    t = sc["total"]
    rows.append(["", "合计", "", "", t["enterprises"], t["self_checked"],
                 t["enterprises"] - t["self_checked"], pct(t["coverage"]), ""])
    end = table(ws, f"企业自查覆盖率排名（{span}）",
                ["排名", "村/社区", "代码", "镇/街道", "企业", "期内自查", "未自查", "自查覆盖率",
                 "红色网格"], rows, {8: "0.0%"}, top=end + 2)
    note(ws, end, "排名规则：" + report["tie_rule"], 9)
    rows = [[e["name"], e["key"], e["village"], e["self_checks"]]
            for e in sc["enterprises"] if not e["self_checks"]]
    table(ws, f"期内未自查企业（{span}）", ["企业", "信用代码/编号", "村/社区", "自查次数"],
          rows, top=end + 2)
    finish(ws)


def accidents(ws: Worksheet, report: dict) -> None:
    """事故: 双下降 — accidents and deaths against the same period a year before (同比) and
    the period before (环比), for the territory, each town and each village."""
    def row(name: str, town: str, f: dict) -> list:
        yoy, mom = f["yoy"], f["mom"]
        return [town, name, yoy["count"], yoy["deaths"], yoy["count_before"],
                yoy["deaths_before"], yoy["count_change"], yoy["deaths_change"],
                mom["count_before"], mom["deaths_before"], mom["count_change"],
                mom["deaths_change"], accident_report.verdict(yoy)]
    period, year_before, previous = report["period"], report["year_before"], report["previous"]
    heads = ["镇/街道", "村/社区", "事故起数", "死亡人数", "去年同期起数", "去年同期死亡",
             "起数同比增减", "死亡同比增减", "上期起数", "上期死亡", "起数环比增减",
             "死亡环比增减", "同比双下降"]
    rows = [row("", t["name"], t) for t in report["towns"]]
    rows.append(row("", "合计", report["total"]))
    end = table(ws, f"生产安全事故“双下降”（{period['label']}）", heads, rows)
    rows = [row(v["name"], v["town"], v) for v in report["villages"]]
    end = table(ws, "各村（社区）", heads, rows, top=end + 1)
    # by department (三管三必须): the linked enterprise's department, else 未确定
    rows = [[d["name"], *row("", "", d)[2:]] for d in report["departments"]]
    end = table(ws, "按行业主管部门", ["行业主管部门", *heads[2:]], rows, top=end + 1)
    note(ws, end, f"同比：{year_before['from']} 至 {year_before['to']}；环比：上期 "
         f"{previous['label']}。双下降 = 事故起数与死亡人数均低于去年同期；去年同期无事故的"
         "记为 —。按事故发生日期计入；地点只有地址且未关联企业的事故计入“未定位”。事故的部门为"
         "所关联企业的行业主管部门，未关联企业的计入“未确定”。", len(heads))
    finish(ws)


def departments(ws: Worksheet, data: dict) -> None:
    """分部门 (三管三必须): each department's points and hazard figures, ranked by the tie rule
    (geoapp.reports.tables.departments), those without hazards after them unranked."""
    deps = data["departments"]
    this, end = data["words"]["this"], data["words"]["end"]
    rows = [[r.get("rank", "—"), r["name"], r["points"]["total"], r["hazards"]["found"],
             r["hazards"]["closed"], r["hazards"]["open"], r["hazards"]["overdue"],
             pct(r["rectification_rate"])] for r in (*deps["rows"], *deps["no_hazards"])]
    end_row = table(ws, f"分部门统计及排名（{data['period']['label']}，三管三必须）",
                    ["排名", "行业主管部门", "点位数", f"{this}发现", f"{this}销号",
                     f"{end}未销号", f"{end}逾期", "整改率"], rows, {8: "0.0%"})
    note(ws, end_row,
         "排名规则：" + TIE_RULE + "部门对应关系见 layers/departments.toml（本地政策）。", 8)
    finish(ws)
