"""Devices: the register, 拠点管理番号 (§4), QR codes and label sheets, and a device's 送信履歴."""
