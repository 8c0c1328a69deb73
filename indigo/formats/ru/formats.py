# Every date field shows and takes dd.mm.yyyy (issue 12); ISO stays accepted for links and scripts.
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]
