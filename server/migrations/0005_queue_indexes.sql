-- 0005: indexes that keep the queue's hot reads independent of how many tickets a day holds (measured with
-- scripts/bench-queue.sh: call-next over every line sorted all waiting tickets, the pace of a line scanned
-- the whole table).

-- call-next over several lines: walk the day's waiting tickets in call order and stop at the first one on
-- a chosen line, instead of sorting them all.
-- `line` last: a desk serving one line skips other lines' tickets inside the index, without reading rows.
CREATE INDEX queue_tickets_call_order
    ON queue_tickets (day, priority DESC, issued_at, issued_line, sequence, line)
    WHERE status = 'waiting';
-- the pace of a line (its served tickets) and the waiting counts per line
CREATE INDEX queue_tickets_by_line_status ON queue_tickets (day, line, status);
-- the desks working a line lately, and the board's last calls
CREATE INDEX queue_tickets_calls_by_line ON queue_tickets (day, line, called_at) WHERE called_at IS NOT NULL;
CREATE INDEX queue_tickets_recent_calls ON queue_tickets (day, called_at) WHERE called_at IS NOT NULL;
-- the minute-by-minute pruning of old events
CREATE INDEX queue_events_by_at ON queue_events (at);
