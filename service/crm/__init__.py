"""代理店CRM: agency sales CRM for electricity and gas applications."""
