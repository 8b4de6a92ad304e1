-- Every pause in force. Returns (record).
SELECT record FROM pauses ORDER BY customer, schedule
