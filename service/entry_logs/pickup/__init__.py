"""お迎え管理: who may collect a child, 「本日のみ」 passes, adults' photos, the alerts of a refused exit."""
