"""Attendance: the day's 出席状態 with the parents' times; 閉園時刻, 園内にいる保護者 and 退出を記録."""
