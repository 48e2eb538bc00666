from bootdiag.app.cli import main

main()
