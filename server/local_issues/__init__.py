"""The regional issues board (地域課題): issues raised from phones through sync, and what
the ward's hub does with them: the meetings that shared and discussed them, the initiative
decided, the roles agreed, the review dates, and the history of every change."""
