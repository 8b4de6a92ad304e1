-- Backtest of candidate L7 rules on one tenant and window. Each rule tests one request field against a list of
-- values (a WAF custom rule such as `cf.bot_management.ja4 in {...}`), so counting it from the per-field rollup
-- (read through the view l7_sig_window: daily, hourly and raw parts of the window) is exact: every event appears
-- once per field. Counts are events weighted by SampleInterval. Returns one row per rule: rule (1-based index into
-- the arrays), targetMatched (matched events of the rule's own vector), targetTotal (all events of that vector),
-- attackMatched (matched events of any attack vector), passedAttackMatched (of those, the ones no rule mitigated),
-- baselineMatched (matched events attributed to no attack) and baselineTotal.
WITH
rollup AS
(
    SELECT AttackVector, Passed, Dimension, Value, Events
    FROM {db:Identifier}.l7_sig_window(account = {account:String}, zones = {zones:Array(String)}, windowFrom = {from:DateTime64(3)},
        windowTo = {to:DateTime64(3)}, hourFrom = {hourFrom:DateTime64(3)}, hourTo = {hourTo:DateTime64(3)}, dayFrom = {dayFrom:DateTime64(3)},
        dayTo = {dayTo:DateTime64(3)})
    WHERE Dimension = 'all' OR has({named:Array(String)}, Value)
),
combos AS
(
    SELECT toString(AttackVector) AS attackVector, Passed AS passed, toString(Dimension) AS dimension, Value AS value, sum(Events) AS events
    FROM rollup
    GROUP BY attackVector, passed, dimension, value
),
rules AS
(
    SELECT
        arrayJoin(arrayEnumerate({vectors:Array(String)})) AS rule,
        {vectors:Array(String)}[rule] AS vector,
        {fields:Array(String)}[rule] AS field,
        {values:Array(Array(String))}[rule] AS ruleValues
)
SELECT
    rule,
    sumIf(events, matched AND attackVector = vector) AS targetMatched,
    sumIf(events, dimension = 'all' AND attackVector = vector) AS targetTotal,
    sumIf(events, matched AND attackVector != '') AS attackMatched,
    sumIf(events, matched AND attackVector != '' AND passed) AS passedAttackMatched,
    sumIf(events, matched AND attackVector = '') AS baselineMatched,
    sumIf(events, dimension = 'all' AND attackVector = '') AS baselineTotal
FROM
(
    SELECT rule, vector, attackVector, passed, events, dimension, dimension = field AND has(ruleValues, value) AS matched
    FROM combos CROSS JOIN rules
)
GROUP BY rule
ORDER BY rule
